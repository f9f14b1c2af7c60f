#include "learner/unroll_receiver.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cmath>
#include <limits>
#include <optional>

#include "models/torch_codec.h"

using namespace std::chrono_literals;

namespace {

spur::UnrollLayout layout(bool masked = false) {
  spur::UnrollLayout l;
  l.steps = 3;
  l.envs = 2;
  l.num_actions = 4;
  l.state_size = 5;
  l.masked_actions = masked;
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
  float logp = -1.0f;
  int32_t message_count = 1;
  bool message_ids_v1 = false;       // version 1's [T+1, B] message rows
  std::optional<uint8_t> mask;       // add an action_mask filled with this value ...
  std::optional<uint8_t> mask_of_1;  // ... and this value for action 1 (the one taken)
  std::vector<std::pair<std::string, double>> metrics{{"depth", 3.0}};
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
      {"behaviour_logp", torch::full({T, B}, k.logp)},
      {"rewards", torch::ones({T, B})},
      {"dones", torch::zeros({T, B}, torch::kUInt8)},
      {"message_ids", torch::full({k.message_ids_v1 ? T + 1 : T, B}, k.message_id, torch::kInt32)},
      {"message_counts", torch::full({T, B}, k.message_count, torch::kInt32)},
      {"rnn_state", torch::zeros({B, 5})},
  };
  if (k.mask) {
    auto m = torch::full({T + 1, B, 4}, *k.mask, torch::kUInt8);
    if (k.mask_of_1) m.select(2, 1).fill_(*k.mask_of_1);
    ts.push_back({"action_mask", m});
  }
  if (k.drop_rewards) std::erase_if(ts, [](const auto& t) { return t.first == "rewards"; });
  if (k.extra_tensor) ts.push_back({"surprise", torch::zeros({1})});
  auto list = u.initTensors(static_cast<unsigned>(ts.size()));
  for (std::size_t i = 0; i < ts.size(); ++i) spur::writeTorchTensor(list[static_cast<unsigned>(i)], ts[i].first, ts[i].second);
  u.initMessages(1).set(0, "Hello.");
  auto eps = u.initEpisodes(1);
  eps[0].setEpisodeReturn(2.5);
  eps[0].setLength(7);
  auto metrics = eps[0].initMetrics(static_cast<unsigned>(k.metrics.size()));
  for (unsigned i = 0; i < k.metrics.size(); ++i) {
    metrics[i].setName(k.metrics[i].first);
    metrics[i].setValue(k.metrics[i].second);
  }
}

spur::Status check(const Knobs& k, bool masked = false) {
  capnp::MallocMessageBuilder msg;
  build(msg, k);
  spur::UnrollData out;
  return spur::readUnroll(msg.getRoot<spur::schema::Unroll>().asReader(), layout(masked), &out);
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
  REQUIRE(out.episodes[0].metrics.size() == 1);
  CHECK(out.episodes[0].metrics[0].first == "depth");
  CHECK(out.episodes[0].metrics[0].second == 3.0);
  CHECK(out.behaviour_logp.sizes() == torch::IntArrayRef({3, 2}));
  CHECK(out.message_ids.sizes() == torch::IntArrayRef({3, 2}));
  CHECK_FALSE(out.action_mask.defined());
  CHECK(out.policy_version == 10);
}

TEST_CASE("unrolls: an env that masks actions sends a mask, and the taken action must be valid") {
  Knobs k;
  k.mask = 1;
  CHECK(check(k, true).isOk());
  CHECK(check({}, true).message() == "unroll lacks tensor 'action_mask'");
  CHECK(check(k, false).message() == "unroll carries unexpected tensor 'action_mask'");
  k.mask_of_1 = 0;  // action 1 is taken everywhere
  CHECK(check(k, true).message() == "unroll has an action that its action_mask marks invalid");
  k.mask = 0;
  k.mask_of_1 = 1;
  CHECK(check(k, true).isOk());
  k.mask_of_1 = std::nullopt;
  k.action = 0;
  k.mask = 0;
  CHECK_FALSE(check(k, true).isOk());
}

TEST_CASE("unrolls: every kind of bad unroll is refused with its reason") {
  Knobs k;
  k.version = 99;
  CHECK(check(k).message() == "unroll of schema version 99, expected 2");
  k = {};
  k.version = 1;  // the version before per-step messages: refused, not misread
  CHECK(check(k).message() == "unroll of schema version 1, expected 2");
  k = {};
  k.message_ids_v1 = true;
  CHECK(check(k).message() == "tensor 'message_ids' is int32[4, 2], expected int32[3, 2]");
  k = {};
  k.logp = 0.5f;
  CHECK(check(k).message() == "unroll has behaviour log-probabilities above 0");
  k = {};
  k.logp = std::nanf("");
  CHECK(check(k).message() == "unroll has non-finite logits, log-probabilities or rewards");
  k = {};
  k.message_count = 0;
  CHECK(check(k).message() == "unroll has message counts below 1");
  k = {};
  k.metrics = {{"depth", std::numeric_limits<double>::infinity()}};
  CHECK(check(k).message() == "unroll has a non-finite episode metric 'depth'");
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
  wrong.version = 1;
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
