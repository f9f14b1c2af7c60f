#include "learner/batch_assembler.h"

#include <capnp/message.h>
#include <doctest/doctest.h>

namespace {

// An unroll of T = 2 steps, B = 1 env; step 1 ended the episode with `last`.
spur::UnrollData unroll(const std::string& last, float extrinsic) {
  spur::UnrollData u;
  u.obs["features"] = torch::zeros({3, 1, 2});
  u.actions = torch::zeros({2, 1}, torch::kInt64);
  u.logits = torch::zeros({2, 1, 2});
  u.behaviour_logp = torch::full({2, 1}, -0.7f);
  u.rewards = torch::full({2, 1}, extrinsic);
  u.dones = torch::tensor({0, 1}, torch::kUInt8).view({2, 1});
  u.message_ids = torch::tensor({0, 1}, torch::kInt32).view({2, 1});
  u.message_counts = torch::tensor({1, 2}, torch::kInt32).view({2, 1});
  u.rnn_state = torch::zeros({1, 3});
  u.messages = {"", last};
  return u;
}

}  // namespace

TEST_CASE("batch assembler: unrolls join along envs, the terminal step's message is rewarded, divided by its count^beta") {
  spur::IntrinsicRewardTable table;
  capnp::MallocMessageBuilder msg;
  auto t = msg.initRoot<spur::schema::RewardTable>();
  t.setSchemaVersion(spur::schema::CURRENT_VERSION);
  t.setVersion(1);
  t.initTexts(1).set(0, "You descend the stairs.");
  t.initRewards(1).set(0, 1.0f);
  REQUIRE(table.apply(msg.getRoot<spur::schema::RewardTable>().asReader()).isOk());

  spur::UnrollLayout layout{2, 1, 2, 3, false, {{"features", spur::DType::kFloat32, {2}}}};
  spur::RewardOptions r;
  r.type = spur::RewardType::kRetrieval;
  r.ext_coeff = 10;
  r.int_coeff = 0.5;
  r.beta = 1;
  const std::vector<spur::UnrollData> unrolls{unroll("You descend the stairs.", 0.f), unroll("You die...", 1.f)};
  const auto a = spur::assembleBatch(unrolls, layout, r, &table);
  CHECK(a.batch.obs.at("features").sizes() == torch::IntArrayRef({3, 2, 2}));
  CHECK(a.batch.initial_state.sizes() == torch::IntArrayRef({2, 3}));
  CHECK(a.frames == 4);
  // Env 0: step 1 ended the episode with "You descend the stairs." (count 2): 0.5 * 1 / 2.
  CHECK(a.intrinsic[1][0].item<float>() == 1.0f);
  CHECK(a.batch.rewards[1][0].item<float>() == doctest::Approx(0.25));
  CHECK(a.batch.rewards[0][0].item<float>() == doctest::Approx(0.0));
  // Env 1: no intrinsic reward, extrinsic 1 * 10.
  CHECK(a.batch.rewards[1][1].item<float>() == doctest::Approx(10.0));
  CHECK(a.messages.at("You descend the stairs.") == 1);
  CHECK(a.messages.at("") == 2);
  // Without an intrinsic reward: no lookup, no messages.
  r.type = spur::RewardType::kNone;
  const auto e = spur::assembleBatch(unrolls, layout, r, nullptr);
  CHECK_FALSE(e.intrinsic.defined());
  CHECK(e.messages.empty());
  CHECK(e.batch.rewards[1][0].item<float>() == doctest::Approx(0.0));
}
