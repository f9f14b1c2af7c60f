// What the learner benchmarks time: the NetHack network's observation spec (the keys of
// configs/nethack_score.yaml) and a random training batch for it. Includes LibTorch.
#pragma once

#include <vector>

#include "learner/appo.h"

namespace spur::bench {

inline constexpr int64_t kNetHackActions = 23;

inline std::vector<TensorSpec> netHackSpec() {
  return {{"chars", DType::kUInt8, {21, 79}}, {"colors", DType::kUInt8, {21, 79}}, {"blstats", DType::kInt64, {27}}, {"message", DType::kUInt8, {256}}};
}

// T x B random samples for a net with recurrent state `state_size`; each step ends an
// episode with probability `done_rate`. Draws from LibTorch's default generator.
inline TrainBatch randomNetHackBatch(int64_t T, int64_t B, int64_t state_size, double done_rate) {
  const int64_t A = kNetHackActions;
  TrainBatch b;
  b.obs["chars"] = torch::randint(32, 127, {T + 1, B, 21, 79}, torch::kUInt8);
  b.obs["colors"] = torch::randint(0, 16, {T + 1, B, 21, 79}, torch::kUInt8);
  b.obs["blstats"] = torch::randint(0, 20, {T + 1, B, 27}, torch::kInt64);
  b.obs["message"] = torch::randint(0, 127, {T + 1, B, 256}, torch::kUInt8);
  b.actions = torch::randint(0, A, {T, B}, torch::kInt64);
  b.behaviour_logits = torch::randn({T, B, A});
  b.behaviour_logp = torch::log_softmax(b.behaviour_logits, -1).gather(-1, b.actions.unsqueeze(-1)).squeeze(-1);
  b.rewards = torch::randn({T, B});
  b.dones = (torch::rand({T, B}) < done_rate).to(torch::kFloat32);
  b.initial_state = torch::zeros({B, state_size});
  return b;
}

}  // namespace spur::bench
