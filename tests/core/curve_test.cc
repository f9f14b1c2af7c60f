// transport.curve: the run's keys, the ZAP allowlist, and strangers refused at the handshake.
#include "core/curve.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "core/schema/spur.capnp.h"
#include "core/transport.h"

using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

fs::path freshDir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("spur-curve-test-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  return d;
}

void fillMessage(capnp::MallocMessageBuilder& msg, uint64_t version) {
  auto p = msg.initRoot<spur::schema::Params>();
  p.setSchemaVersion(spur::schema::CURRENT_VERSION);
  p.setPolicyVersion(version);
}

// Sends up to 20 messages from `push`, returns how many `pull` received.
int deliver(spur::MessageSocket& push, spur::MessageSocket& pull) {
  int got = 0;
  for (int i = 0; i < 20; ++i) {
    capnp::MallocMessageBuilder msg;
    fillMessage(msg, static_cast<uint64_t>(i));
    (void)push.send(msg, 50ms);
    while (pull.receive(50ms)) ++got;
  }
  return got;
}

}  // namespace

TEST_CASE("curve: the run's keys are created once, the secret owner-only, the allowlist holding the run's key") {
  const fs::path dir = freshDir("keys");
  const auto keys = spur::loadCurveKeys(dir, true);
  CHECK(keys->public_key.size() == 40);
  CHECK(keys->secret_key.size() == 40);
  CHECK(keys->allowed.count(keys->public_key) == 1);
  struct stat st {};
  REQUIRE(::stat((dir / "run.key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  // Loaded again (another role of the run): the same keys, nothing rewritten.
  CHECK(spur::loadCurveKeys(dir, true)->public_key == keys->public_key);
  CHECK(spur::loadCurveKeys(dir, false)->secret_key == keys->secret_key);
  // Bad files name themselves.
  std::ofstream(dir / "allowlist", std::ios::app) << "too-short\n";
  CHECK_THROWS_WITH_AS(spur::loadCurveKeys(dir, false), doctest::Contains("allowlist:3"), spur::Error);
  CHECK_THROWS_WITH_AS(spur::loadCurveKeys(freshDir("none"), false), doctest::Contains("run.pub: missing"), spur::Error);
  fs::remove_all(dir);
}

TEST_CASE("curve: a peer with the run's key gets through; a stranger and a plain peer are refused, and counted") {
  const fs::path dir = freshDir("sockets");
  const auto keys = spur::loadCurveKeys(dir, true);
  zmq::context_t server_ctx, client_ctx;
  spur::ZapAuthenticator zap(server_ctx, keys->allowed);
  spur::SocketOptions server_opts;
  server_opts.curve = keys;
  auto pull = spur::MessageSocket::bind(server_ctx, spur::SocketKind::kPull, "tcp://127.0.0.1:*", server_opts);
  const std::string address = pull.lastEndpoint();
  {
    spur::SocketOptions o;
    o.curve = keys;
    auto push = spur::MessageSocket::connect(client_ctx, spur::SocketKind::kPush, address, o);
    CHECK(deliver(push, pull) == 20);
    CHECK(zap.admitted() >= 1);
  }
  {
    // A stranger: its own key pair, knows the server's public key.
    spur::writeCurveKeyPair((dir / "stranger").string());
    auto stranger = std::make_shared<spur::CurveKeys>();
    std::ifstream(dir / "stranger.pub") >> stranger->public_key;
    std::ifstream(dir / "stranger.key") >> stranger->secret_key;
    stranger->server_public_key = keys->public_key;
    spur::SocketOptions o;
    o.curve = stranger;
    auto push = spur::MessageSocket::connect(client_ctx, spur::SocketKind::kPush, address, o);
    CHECK(deliver(push, pull) == 0);
    CHECK(zap.refused() >= 1);
  }
  {
    auto plain = spur::MessageSocket::connect(client_ctx, spur::SocketKind::kPush, address);
    CHECK(deliver(plain, pull) == 0);
  }
  fs::remove_all(dir);
}

TEST_CASE("curve: a CURVE server whose context has no ZAP handler refuses everyone (fails closed)") {
  const fs::path dir = freshDir("nozap");
  const auto keys = spur::loadCurveKeys(dir, true);
  zmq::context_t server_ctx, client_ctx;  // no ZapAuthenticator on server_ctx
  spur::SocketOptions server_opts;
  server_opts.curve = keys;
  auto pull = spur::MessageSocket::bind(server_ctx, spur::SocketKind::kPull, "tcp://127.0.0.1:*", server_opts);
  spur::SocketOptions o;
  o.curve = keys;  // even the run's own key: without a handler nobody can be checked
  auto push = spur::MessageSocket::connect(client_ctx, spur::SocketKind::kPush, pull.lastEndpoint(), o);
  CHECK(deliver(push, pull) == 0);
  fs::remove_all(dir);
}

TEST_CASE("curve: which addresses other hosts can reach") {
  CHECK(spur::isPublicAddress("tcp://10.1.2.3:5555"));
  CHECK(spur::isPublicAddress("tcp://*:5555"));
  CHECK(spur::isPublicAddress("tcp://node7:5555"));
  CHECK_FALSE(spur::isPublicAddress("tcp://127.0.0.1:5555"));
  CHECK_FALSE(spur::isPublicAddress("tcp://localhost:5555"));
  CHECK_FALSE(spur::isPublicAddress("tcp://[::1]:5555"));
  CHECK_FALSE(spur::isPublicAddress("ipc:///tmp/x.sock"));
}
