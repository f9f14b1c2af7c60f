// assembleBatch: the unrolls of one update turned into a TrainBatch: every tensor joined
// along the env axis, each step's intrinsic reward looked up from the newest reward table,
// rewards combined as ONI does (ext_coeff r_ext + int_coeff r_int / count^beta), and the
// batch's resulting messages with how many steps showed each (for the reward learner).
// Includes LibTorch.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/reward_options.h"
#include "learner/appo.h"
#include "learner/intrinsic_reward.h"
#include "learner/unroll_receiver.h"

namespace spur {

struct AssembledBatch {
  TrainBatch batch;        // rewards combined
  torch::Tensor extrinsic;  // [T, B']
  torch::Tensor intrinsic;  // [T, B']; undefined without an intrinsic reward
  std::unordered_map<std::string, uint32_t> messages;  // resulting message -> steps (intrinsic only)
  int64_t frames = 0;       // T x B'
};

// REQUIRES: unrolls non-empty, all valid for `layout` (readUnroll). `rewards` is null when
// the run has no intrinsic reward.
AssembledBatch assembleBatch(const std::vector<UnrollData>& unrolls, const UnrollLayout& layout, const RewardOptions& reward,
                             const IntrinsicRewardTable* rewards);

}  // namespace spur
