#include "learner/unroll_receiver.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include "models/torch_codec.h"

using namespace std::chrono_literals;

namespace {

spur::UnrollLayout layout() {
  spur::UnrollLayout l;
  l.steps = 3;
  l.envs = 2;
  l.num_actions = 4;
  l.state_size = 5;
  l.observations = {{"features", spur::DType::kFloat32, {6}}};
  return l;
}

struct Knobs {
  uint32_t version = spur::schema::CURRENT_VERSION;
  uint32_t steps = 3;
  int64_t action = 1;
  int32_t message_id = 0;
  bool drop_rewards = false;
  bool extra_tensor = false;
  int64_t obs_width = 6;
  uint64_t policy_version = 10;
};

void build(capnp::MallocMessageBuilder& msg, const Knobs& k) {
  const int64_t T = 3, B = 2;
  auto u = msg.initRoot<spur::schema::Unroll>();
  u.setSchemaVersion(k.version);
  u.setNumSteps(k.steps);
  u.setNumEnvs(B);
  u.setPolicyVersion(k.policy_version);
  std::vector<std::pair<std::string, torch::Tensor>> ts{
      {"obs/features", torch::zeros({T + 1, B, k.obs_width})},
      {"actions", torch::full({T, B}, k.action, torch::kInt64)},
      {"logits", torch::zeros({T, B, 4})},
      {"rewards", torch::ones({T, B})},
      {"dones", torch::zeros({T, B}, torch::kUInt8)},
      {"message_ids", torch::full({T + 1, B}, k.message_id, torch::kInt32)},
      {"message_counts", torch::ones({T + 1, B}, torch::kInt32)},
      {"rnn_state", torch::zeros({B, 5})},
  };
  if (k.drop_rewards) ts.erase(ts.begin() + 3);
  if (k.extra_tensor) ts.push_back({"surprise", torch::zeros({1})});
  auto list = u.initTensors(static_cast<unsigned>(ts.size()));
  for (std::size_t i = 0; i < ts.size(); ++i) spur::writeTorchTensor(list[static_cast<unsigned>(i)], ts[i].first, ts[i].second);
  u.initMessages(1).set(0, "Hello.");
  auto eps = u.initEpisodes(1);
  eps[0].setEpisodeReturn(2.5);
  eps[0].setLength(7);
}

spur::Status check(const Knobs& k) {
  capnp::MallocMessageBuilder msg;
  build(msg, k);
  spur::UnrollData out;
  return spur::readUnroll(msg.getRoot<spur::schema::Unroll>().asReader(), layout(), &out);
}

}  // namespace

TEST_CASE("unrolls: a valid unroll is read with its episodes and messages") {
  capnp::MallocMessageBuilder msg;
  build(msg, {});
  spur::UnrollData out;
  REQUIRE(spur::readUnroll(msg.getRoot<spur::schema::Unroll>().asReader(), layout(), &out).isOk());
  CHECK(out.obs.at("features").sizes() == torch::IntArrayRef({4, 2, 6}));
  CHECK(out.messages == std::vector<std::string>{"Hello."});
  REQUIRE(out.episodes.size() == 1);
  CHECK(out.episodes[0].episode_return == 2.5);
  CHECK(out.policy_version == 10);
}

TEST_CASE("unrolls: every kind of bad unroll is refused with its reason") {
  Knobs k;
  k.version = 99;
  CHECK(check(k).message() == "unroll of schema version 99, expected 1");
  k = {};
  k.steps = 4;
  CHECK(check(k).message() == "unroll of 4 steps x 2 envs, expected 3 x 2");
  k = {};
  k.action = 4;
  CHECK(check(k).message() == "unroll has actions outside [0, 4)");
  k = {};
  k.message_id = 1;
  CHECK(check(k).message() == "unroll has message ids outside its 1 messages");
  k = {};
  k.drop_rewards = true;
  CHECK(check(k).message() == "unroll lacks tensor 'rewards'");
  k = {};
  k.extra_tensor = true;
  CHECK(check(k).message() == "unroll carries unexpected tensor 'surprise'");
  k = {};
  k.obs_width = 7;
  CHECK(check(k).message() == "tensor 'obs/features' is float32[4, 2, 7], expected float32[4, 2, 6]");
}

TEST_CASE("unrolls: the receiver counts and drops malformed, truncated, wrong and stale unrolls") {
  zmq::context_t ctx;
  const std::string addr = "ipc:///tmp/spur-receiver-test-" + std::to_string(getpid()) + ".sock";
  spur::UnrollReceiver receiver(ctx, addr, 4, layout(), 8, /*max_policy_lag=*/5);
  receiver.setPolicyVersion(20);
  auto push = spur::MessageSocket::connect(ctx, spur::SocketKind::kPush, addr);

  REQUIRE(push.sendBytes("garbage", 7, 1000ms));  // not Cap'n Proto
  capnp::MallocMessageBuilder valid;
  build(valid, {});
  const auto words = spur::toWords(valid);
  const auto bytes = words.asBytes();
  REQUIRE(push.sendBytes(bytes.begin(), bytes.size() / 16 * 8, 1000ms));  // truncated
  Knobs wrong;
  wrong.version = 2;
  capnp::MallocMessageBuilder wrong_msg;
  build(wrong_msg, wrong);
  REQUIRE(push.send(wrong_msg, 1000ms));  // wrong version
  capnp::MallocMessageBuilder stale;
  build(stale, {});  // policy version 10, learner at 20, max lag 5
  REQUIRE(push.send(stale, 1000ms));
  Knobs fresh;
  fresh.policy_version = 18;
  capnp::MallocMessageBuilder ok;
  build(ok, fresh);
  REQUIRE(push.send(ok, 1000ms));

  auto got = receiver.pop(5000ms);
  REQUIRE(got.has_value());
  CHECK(got->policy_version == 18);
  CHECK(receiver.counters().dropped_malformed == 3);
  CHECK(receiver.counters().dropped_stale == 1);
  CHECK(receiver.counters().received == 1);
  CHECK_FALSE(receiver.pop(100ms).has_value());
}
