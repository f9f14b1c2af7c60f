#include "learner/intrinsic_reward.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <doctest/doctest.h>

#include <cmath>

namespace {

capnp::MallocMessageBuilder* table(capnp::MallocMessageBuilder& msg, uint64_t version, const std::vector<std::pair<std::string, float>>& entries,
                                   int extra_rewards = 0) {
  auto t = msg.initRoot<spur::schema::RewardTable>();
  t.setSchemaVersion(spur::schema::CURRENT_VERSION);
  t.setVersion(version);
  auto texts = t.initTexts(static_cast<unsigned>(entries.size()));
  auto rewards = t.initRewards(static_cast<unsigned>(entries.size() + static_cast<std::size_t>(extra_rewards)));
  for (unsigned i = 0; i < entries.size(); ++i) {
    texts.set(i, entries[i].first);
    rewards.set(i, entries[i].second);
  }
  return &msg;
}

}  // namespace

TEST_CASE("intrinsic reward: each step gets the reward of its resulting message, unseen messages 0") {
  spur::IntrinsicRewardTable rt;
  capnp::MallocMessageBuilder msg;
  table(msg, 1, {{"You kill the newt!", 1.0f}, {"Hello.", 0.0f}});
  REQUIRE(rt.apply(msg.getRoot<spur::schema::RewardTable>().asReader()).isOk());
  CHECK(rt.version() == 1);
  // An unroll with T = 2, B = 2; texts: 0 "", 1 "You kill the newt!", 2 "never labelled".
  const std::vector<std::string> texts{"", "You kill the newt!", "never labelled"};
  const auto ids = torch::tensor({0, 1, 2, 1}, torch::kInt32).view({2, 2});  // [T, B]: each step's resulting message
  const auto r = rt.lookup(texts, ids);
  REQUIRE(r.sizes() == torch::IntArrayRef({2, 2}));
  // Step t uses its own row: row 0 = (0, 1) -> ("", kill), row 1 = (2, 1) -> (unseen, kill).
  CHECK(r[0][0].item<float>() == 0.0f);
  CHECK(r[0][1].item<float>() == 1.0f);
  CHECK(r[1][0].item<float>() == 0.0f);
  CHECK(r[1][1].item<float>() == 1.0f);
}

TEST_CASE("intrinsic reward: older snapshots are ignored and malformed ones refused") {
  spur::IntrinsicRewardTable rt;
  capnp::MallocMessageBuilder m2, m1, bad, nan;
  table(m2, 2, {{"a", 1.0f}});
  table(m1, 1, {{"a", 0.5f}, {"b", 1.0f}});
  table(bad, 3, {{"a", 1.0f}}, 1);
  table(nan, 4, {{"a", std::nanf("")}});
  REQUIRE(rt.apply(m2.getRoot<spur::schema::RewardTable>().asReader()).isOk());
  REQUIRE(rt.apply(m1.getRoot<spur::schema::RewardTable>().asReader()).isOk());
  CHECK(rt.version() == 2);
  CHECK(rt.size() == 1);
  CHECK_FALSE(rt.apply(bad.getRoot<spur::schema::RewardTable>().asReader()).isOk());
  CHECK_FALSE(rt.apply(nan.getRoot<spur::schema::RewardTable>().asReader()).isOk());
  CHECK(rt.version() == 2);
}

TEST_CASE("intrinsic reward: a snapshot whose texts point outside the message is refused, not thrown") {
  // RewardTable v2, version 5, instance 9, texts = a list pointer 100 words past the segment
  // (tests/fuzz/reward_table/crash-texts-out-of-bounds): apply() used to throw kj::Exception,
  // which nothing in the learner's loop caught.
  alignas(8) const uint64_t words[] = {0x0000000700000000ull, 0x0003000300000000ull, 2, 5, 9, 0, 0x0000000E00000191ull, 0};
  capnp::FlatArrayMessageReader reader(kj::ArrayPtr<const capnp::word>(reinterpret_cast<const capnp::word*>(words), std::size(words)));
  spur::IntrinsicRewardTable rt;
  const auto s = rt.apply(reader.getRoot<spur::schema::RewardTable>());
  CHECK(s.code() == spur::StatusCode::kDataLoss);
  CHECK(rt.version() == 0);
  CHECK(rt.size() == 0);
}

TEST_CASE("intrinsic reward: message counts cover every rewarded step") {
  // T = 2, B = 2: each entry is one step's resulting message.
  const std::vector<std::string> texts = {"a", "b", "c"};
  const auto ids = torch::tensor({0, 1, 0, 7}, torch::kInt64).view({2, 2});  // 7: out of range, skipped
  std::unordered_map<std::string, uint32_t> counts = {{"a", 5}};
  spur::countMessages(texts, ids, counts);
  CHECK(counts.at("a") == 5 + 2);
  CHECK(counts.at("b") == 1);
  CHECK(counts.count("c") == 0);
}

TEST_CASE("intrinsic reward: a restarted reward learner's snapshots are taken although their versions start again") {
  spur::IntrinsicRewardTable rt;
  capnp::MallocMessageBuilder old_instance, restarted;
  table(old_instance, 7, {{"a", 1.0f}});
  old_instance.getRoot<spur::schema::RewardTable>().setInstance(11);
  table(restarted, 1, {{"b", 1.0f}});
  restarted.getRoot<spur::schema::RewardTable>().setInstance(12);
  REQUIRE(rt.apply(old_instance.getRoot<spur::schema::RewardTable>().asReader()).isOk());
  REQUIRE(rt.apply(restarted.getRoot<spur::schema::RewardTable>().asReader()).isOk());
  CHECK(rt.version() == 1);
  const auto r = rt.lookup({"a", "b"}, torch::tensor({0, 1}, torch::kInt64).view({1, 2}));
  CHECK(r[0][0].item<float>() == 0.0f);  // the old instance's table is gone
  CHECK(r[0][1].item<float>() == 1.0f);
}
