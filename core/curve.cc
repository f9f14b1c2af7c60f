#include "core/curve.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>

#include "core/status.h"

namespace spur {
namespace fs = std::filesystem;

namespace {

bool isZ85Key(const std::string& s) { return s.size() == 40 && s.find_first_of(" \t\r\n") == std::string::npos; }

std::string readKey(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw Error(StatusCode::kFailedPrecondition, file.string() + ": missing (transport.curve needs the run's keys)");
  std::string line;
  std::getline(in, line);
  if (!isZ85Key(line)) throw Error(StatusCode::kFailedPrecondition, file.string() + ": not a 40-character Z85 CURVE key");
  return line;
}

void requireCurve() {
  if (!zmq_has("curve")) throw Error(StatusCode::kFailedPrecondition, "transport.curve: this libzmq was built without CURVE");
}

}  // namespace

void writeCurveKeyPair(const std::string& prefix) {
  requireCurve();
  char pub[41] = {0}, sec[41] = {0};
  if (zmq_curve_keypair(pub, sec) != 0) throw Error(StatusCode::kInternal, "zmq_curve_keypair failed");
  const std::string key_file = prefix + ".key", tmp = key_file + ".tmp";
  {
    // Created 0600 before the secret is written into it.
    std::ofstream(tmp).close();
    ::chmod(tmp.c_str(), 0600);
    std::ofstream out(tmp, std::ios::trunc);
    out << sec << "\n";
    if (!out) throw Error(StatusCode::kUnavailable, tmp + ": cannot write");
  }
  fs::rename(tmp, key_file);
  std::ofstream out(prefix + ".pub", std::ios::trunc);
  out << pub << "\n";
  if (!out) throw Error(StatusCode::kUnavailable, prefix + ".pub: cannot write");
}

std::shared_ptr<const CurveKeys> loadCurveKeys(const fs::path& dir, bool create) {
  requireCurve();
  if (create && !fs::exists(dir / "run.key")) {
    fs::create_directories(dir);
    writeCurveKeyPair((dir / "run").string());
    std::ofstream(dir / "allowlist") << "# CURVE public keys (Z85) allowed to connect to this run's sockets, one per line.\n"
                                     << readKey(dir / "run.pub") << "\n";
  }
  auto keys = std::make_shared<CurveKeys>();
  keys->public_key = readKey(dir / "run.pub");
  keys->secret_key = readKey(dir / "run.key");
  keys->server_public_key = fs::exists(dir / "server.pub") ? readKey(dir / "server.pub") : keys->public_key;
  std::ifstream in(dir / "allowlist");
  if (!in) throw Error(StatusCode::kFailedPrecondition, (dir / "allowlist").string() + ": missing");
  int line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    if (!isZ85Key(line))
      throw Error(StatusCode::kFailedPrecondition, (dir / "allowlist").string() + ":" + std::to_string(line_no) + ": not a 40-character Z85 public key");
    keys->allowed.insert(line);
  }
  return keys;
}

ZapAuthenticator::ZapAuthenticator(zmq::context_t& context, std::unordered_set<std::string> allowed)
    : socket_(context, zmq::socket_type::rep), allowed_(std::move(allowed)) {
  socket_.set(zmq::sockopt::linger, 0);
  socket_.set(zmq::sockopt::rcvtimeo, 100);  // to see stop_
  socket_.bind("inproc://zeromq.zap.01");
  thread_ = std::thread([this] { serve(); });
}

ZapAuthenticator::~ZapAuthenticator() {
  stop_ = true;
  thread_.join();
}

// ZAP (RFC 27): a request is version, request id, domain, address, identity, mechanism and
// the mechanism's credentials (CURVE: the client's 32-byte public key); the reply carries
// a status code 200 (admit) or 400 (refuse).
void ZapAuthenticator::serve() {
  auto last_log = std::chrono::steady_clock::time_point{};
  while (!stop_) {
    std::vector<zmq::message_t> frames;
    zmq::message_t first;
    if (!socket_.recv(first)) continue;
    frames.push_back(std::move(first));
    while (frames.back().more()) {
      zmq::message_t next;
      if (!socket_.recv(next)) break;
      frames.push_back(std::move(next));
    }
    bool ok = false;
    std::string peer = frames.size() > 3 ? frames[3].to_string() : "?", key = "(none)";
    if (frames.size() >= 7 && frames[5].to_string() == "CURVE" && frames[6].size() == 32) {
      char z85[41] = {0};
      zmq_z85_encode(z85, static_cast<const uint8_t*>(frames[6].data()), 32);
      key = z85;
      ok = allowed_.count(key) > 0;
    } else if (frames.size() >= 6) {
      key = "(mechanism " + frames[5].to_string() + ")";
    }
    (ok ? admitted_ : refused_)++;
    if (!ok && std::chrono::steady_clock::now() - last_log > std::chrono::seconds(10)) {
      last_log = std::chrono::steady_clock::now();
      spdlog::warn("transport: refused a peer at {} with key {}: not in the run's CURVE allowlist ({} refused so far)", peer, key, refused_.load());
    }
    const std::string request_id = frames.size() > 1 ? frames[1].to_string() : "";
    socket_.send(zmq::str_buffer("1.0"), zmq::send_flags::sndmore);
    socket_.send(zmq::buffer(request_id), zmq::send_flags::sndmore);
    socket_.send(zmq::buffer(std::string(ok ? "200" : "400")), zmq::send_flags::sndmore);
    socket_.send(zmq::buffer(std::string(ok ? "OK" : "not in the allowlist")), zmq::send_flags::sndmore);
    socket_.send(zmq::str_buffer(""), zmq::send_flags::sndmore);
    socket_.send(zmq::str_buffer(""), zmq::send_flags::none);
  }
}

bool isPublicAddress(const std::string& address) {
  if (address.rfind("tcp://", 0) != 0) return false;
  std::string host = address.substr(6, address.rfind(':') == std::string::npos || address.rfind(':') < 6 ? std::string::npos : address.rfind(':') - 6);
  if (!host.empty() && host.front() == '[') host = host.substr(1, host.size() - 2);
  return !(host.rfind("127.", 0) == 0 || host == "localhost" || host == "::1");
}

}  // namespace spur
