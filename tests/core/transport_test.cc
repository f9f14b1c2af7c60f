#include "core/transport.h"

#include <doctest/doctest.h>

#include <pthread.h>
#include <signal.h>

#include <optional>
#include <set>
#include <thread>

#include "core/schema/spur.capnp.h"
#include "core/tensor_codec.h"

using namespace std::chrono_literals;
using spur::MessageSocket;
using spur::SocketKind;

namespace {

void fillParams(capnp::MallocMessageBuilder& msg, uint64_t version, std::vector<float> values) {
  auto p = msg.initRoot<spur::schema::Params>();
  p.setSchemaVersion(spur::schema::CURRENT_VERSION);
  p.getSender().setRole(spur::schema::Role::LEARNER);
  p.setPolicyVersion(version);
  auto ts = p.initTensors(1);
  const int64_t shape[] = {static_cast<int64_t>(values.size())};
  spur::writeTensor(ts[0], "w", spur::DType::kFloat32, shape,
                    {reinterpret_cast<const uint8_t*>(values.data()), values.size() * sizeof(float)});
}

struct Pair {
  zmq::context_t ctx;
  MessageSocket pull = MessageSocket::bind(ctx, SocketKind::kPull, "tcp://127.0.0.1:*");
  MessageSocket push = MessageSocket::connect(ctx, SocketKind::kPush, pull.lastEndpoint());
};

}  // namespace

TEST_CASE("transport: a message round-trips and tensors are read in place") {
  Pair p;
  capnp::MallocMessageBuilder msg;
  fillParams(msg, 7, {1.f, 2.f, 3.f});
  REQUIRE(p.push.send(msg, 1000ms));
  auto got = p.pull.receive(2000ms);
  REQUIRE(got.has_value());
  REQUIRE(got->parse().isOk());
  auto params = got->root<spur::schema::Params>();
  CHECK(params.getPolicyVersion() == 7);
  spur::TensorRef t;
  REQUIRE(spur::readTensor(params.getTensors()[0], &t).isOk());
  CHECK(t.name == "w");
  CHECK(t.shape == std::vector<int64_t>{3});
  CHECK(t.as<float>()[2] == 3.f);
  const int64_t want[] = {3};
  CHECK(spur::expectTensor(t, spur::DType::kFloat32, want).isOk());
  const int64_t other[] = {4};
  CHECK(spur::expectTensor(t, spur::DType::kFloat32, other).message() == "tensor 'w' is float32[3], expected float32[4]");
}

TEST_CASE("transport: receive returns nothing after its timeout") {
  Pair p;
  const auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(p.pull.receive(50ms).has_value());
  CHECK(std::chrono::steady_clock::now() - start < 5s);  // returned, did not hang
}

TEST_CASE("transport: send without a peer gives up at its timeout") {
  zmq::context_t ctx;
  auto push = MessageSocket::connect(ctx, SocketKind::kPush, "tcp://127.0.0.1:1");  // nobody listens
  capnp::MallocMessageBuilder msg;
  fillParams(msg, 1, {1.f});
  CHECK_FALSE(push.send(msg, 50ms));
}

TEST_CASE("transport: malformed and truncated messages are DataLoss, not crashes") {
  Pair p;
  // not a whole number of words
  REQUIRE(p.push.sendBytes("1234567", 7, 1000ms));
  auto a = p.pull.receive(2000ms);
  REQUIRE(a);
  CHECK(a->parse().code() == spur::StatusCode::kDataLoss);
  // garbage words: a segment table claiming a huge segment
  const uint64_t garbage[4] = {0xFFFFFFFF00000000ull, 1, 2, 3};
  REQUIRE(p.push.sendBytes(garbage, sizeof garbage, 1000ms));
  auto b = p.pull.receive(2000ms);
  REQUIRE(b);
  CHECK(b->parse().code() == spur::StatusCode::kDataLoss);
  // a valid message cut in half
  capnp::MallocMessageBuilder msg;
  fillParams(msg, 1, std::vector<float>(100, 1.f));
  const auto words = spur::toWords(msg);
  const auto bytes = words.asBytes();
  REQUIRE(p.push.sendBytes(bytes.begin(), bytes.size() / 2 / 8 * 8, 1000ms));
  auto c = p.pull.receive(2000ms);
  REQUIRE(c);
  CHECK(c->parse().code() == spur::StatusCode::kDataLoss);
  // a root pointer past the end of its segment (fuzz/unroll found it): root() used to throw
  // kj::Exception in the learner's receiving thread, which ended the learner
  const uint64_t root_out_of_bounds[2] = {0x0000000100000000ull, 0x0000000100000190ull};
  REQUIRE(p.push.sendBytes(root_out_of_bounds, sizeof root_out_of_bounds, 1000ms));
  auto d = p.pull.receive(2000ms);
  REQUIRE(d);
  CHECK(d->parse().code() == spur::StatusCode::kDataLoss);
  // a root that is a list, not a struct
  const uint64_t root_list[2] = {0x0000000100000000ull, 0x0000000000000001ull};
  REQUIRE(p.push.sendBytes(root_list, sizeof root_list, 1000ms));
  auto e = p.pull.receive(2000ms);
  REQUIRE(e);
  CHECK(e->parse().code() == spur::StatusCode::kDataLoss);
}

TEST_CASE("transport: a tensor whose bytes disagree with its shape is DataLoss") {
  capnp::MallocMessageBuilder msg;
  auto t = msg.initRoot<spur::schema::Tensor>();
  t.setName("x");
  t.setDtype(spur::schema::DType::INT32);
  auto shape = t.initShape(2);
  shape.set(0, 2);
  shape.set(1, 3);
  const uint8_t data[20] = {};
  t.setData(capnp::Data::Reader(data, sizeof data));
  spur::TensorRef ref;
  auto s = spur::readTensor(t.asReader(), &ref);
  CHECK(s.code() == spur::StatusCode::kDataLoss);
  CHECK(s.message() == "tensor 'x': shape [2, 3] of int32 needs 24 bytes, message has 20");
  shape.set(1, -3);
  CHECK(spur::readTensor(t.asReader(), &ref).message().find("negative dimension") != std::string::npos);
  shape.set(0, int64_t{1} << 40);
  shape.set(1, int64_t{1} << 40);
  CHECK(spur::readTensor(t.asReader(), &ref).message().find("overflows") != std::string::npos);
}

TEST_CASE("transport: oversized messages are refused by the receiver") {
  zmq::context_t ctx;
  spur::SocketOptions small;
  small.max_message_bytes = 1024;
  auto pull = MessageSocket::bind(ctx, SocketKind::kPull, "tcp://127.0.0.1:*", small);
  auto push = MessageSocket::connect(ctx, SocketKind::kPush, pull.lastEndpoint());
  capnp::MallocMessageBuilder big;
  fillParams(big, 1, std::vector<float>(4096, 1.f));
  CHECK(push.send(big, 200ms));  // queued on the sender's side; the receiver refuses it
  CHECK_FALSE(pull.receive(300ms).has_value());
}

TEST_CASE("transport: a latest-only subscriber sees the newest parameters") {
  zmq::context_t ctx;
  auto pub = MessageSocket::bind(ctx, SocketKind::kPub, "tcp://127.0.0.1:*");
  spur::SocketOptions latest;
  latest.latest_only = true;
  auto sub = MessageSocket::connect(ctx, SocketKind::kSub, pub.lastEndpoint(), latest);
  // PUB drops messages until the subscription has arrived: publish until one is seen.
  uint64_t version = 0;
  for (int i = 0; i < 100 && !sub.receive(10ms); ++i) {
    capnp::MallocMessageBuilder m;
    fillParams(m, ++version, {1.f});
    CHECK(pub.send(m, 100ms));  // PUB never blocks
  }
  for (int v = 1; v <= 5; ++v) {
    capnp::MallocMessageBuilder m;
    fillParams(m, 1000 + v, {1.f});
    CHECK(pub.send(m, 100ms));
  }
  std::this_thread::sleep_for(200ms);
  auto got = sub.receive(1000ms);
  REQUIRE(got);
  REQUIRE(got->parse().isOk());
  CHECK(got->root<spur::schema::Params>().getPolicyVersion() == 1005);
  CHECK_FALSE(sub.receive(50ms).has_value());
}

TEST_CASE("transport: a receive interrupted by a signal returns nothing instead of throwing") {
  // spur train stops its roles with SIGTERM; the roles' handlers set a flag and do not
  // restart system calls, so a blocking receive sees EINTR. It used to escape as
  // zmq::error_t and abort the process at every shutdown.
  struct sigaction sa {};
  sa.sa_handler = [](int) {};
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART
  struct sigaction old {};
  REQUIRE(sigaction(SIGUSR1, &sa, &old) == 0);
  Pair p;
  const pthread_t self = pthread_self();
  std::thread interrupter([self] {
    std::this_thread::sleep_for(200ms);
    pthread_kill(self, SIGUSR1);
  });
  std::optional<spur::ReceivedMessage> got;
  CHECK_NOTHROW(got = p.pull.receive(5000ms));
  CHECK_FALSE(got.has_value());
  interrupter.join();
  sigaction(SIGUSR1, &old, nullptr);
}

TEST_CASE("transport: each learner rank's address is derived from rank 0's") {
  CHECK(spur::rankAddress("ipc:///tmp/spur-ab-unroll.sock", 0) == "ipc:///tmp/spur-ab-unroll.sock");
  CHECK(spur::rankAddress("ipc:///tmp/spur-ab-unroll.sock", 2) == "ipc:///tmp/spur-ab-unroll-rank2.sock");
  CHECK(spur::rankAddress("ipc:///tmp/unroll", 1) == "ipc:///tmp/unroll-rank1");
  CHECK(spur::rankAddress("inproc://u", 1) == "inproc://u-rank1");
  CHECK(spur::rankAddress("tcp://10.0.0.5:5550", 3) == "tcp://10.0.0.5:5553");
  CHECK(spur::rankAddress("tcp://*:5550", 1) == "tcp://*:5551");
  for (const char* bad : {"tcp://127.0.0.1:*", "tcp://host", "tcp://host:65535"}) {
    CAPTURE(bad);
    CHECK_THROWS_WITH_AS(spur::rankAddress(bad, 1), doctest::Contains("needs a numeric port"), spur::Error);
  }
}

TEST_CASE("transport: one SUB socket hears every publisher it is connected to") {
  zmq::context_t ctx;
  MessageSocket a = MessageSocket::bind(ctx, SocketKind::kPub, "tcp://127.0.0.1:*");
  MessageSocket b = MessageSocket::bind(ctx, SocketKind::kPub, "tcp://127.0.0.1:*");
  MessageSocket sub = MessageSocket::connect(ctx, SocketKind::kSub, a.lastEndpoint());
  sub.connectAlso(b.lastEndpoint());
  std::set<uint64_t> versions;
  // PUB drops messages sent before the subscription has arrived: keep sending.
  for (int i = 0; i < 200 && versions.size() < 2; ++i) {
    capnp::MallocMessageBuilder ma, mb;
    fillParams(ma, 1, {1.f});
    fillParams(mb, 2, {2.f});
    CHECK(a.send(ma, 10ms));
    CHECK(b.send(mb, 10ms));
    while (auto m = sub.receive(10ms)) {
      REQUIRE(m->parse().isOk());
      versions.insert(m->root<spur::schema::Params>().getPolicyVersion());
    }
  }
  CHECK(versions == std::set<uint64_t>{1, 2});
  CHECK_THROWS_WITH_AS(sub.connectAlso("nonsense://x"), doctest::Contains("nonsense://x"), spur::Error);
}
