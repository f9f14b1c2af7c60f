// APPO with V-trace: the learner's loss and update, independent of networking so that it
// can be tested on hand-made batches. Includes LibTorch.
#pragma once

#include <torch/torch.h>

#include <memory>

#include "learner/learner_options.h"
#include "models/policy_net.h"

namespace spur {

struct VTraceReturns {
  torch::Tensor vs;             // [T, B] value targets
  torch::Tensor pg_advantages;  // [T, B]
};

// V-trace (IMPALA, Espeholt et al. 2018) on time-major [T, B] tensors; no gradients flow.
// discounts[t] = gamma * (1 - done[t]); bootstrap_value [B] is V(x_T).
VTraceReturns vtrace(torch::Tensor log_rhos, torch::Tensor discounts, torch::Tensor rewards, torch::Tensor values,
                     torch::Tensor bootstrap_value, double rho_bar, double c_bar);

// The ONI reward combination. intrinsic may be undefined (= 0).
torch::Tensor combineRewards(const RewardOptions& r, torch::Tensor extrinsic, torch::Tensor intrinsic, torch::Tensor message_counts);

// One training batch, time-major.
struct TrainBatch {
  ObsMap obs;                      // [T+1, B, ...]
  torch::Tensor actions;           // [T, B] int64
  torch::Tensor behaviour_logits;  // [T, B, A]
  torch::Tensor rewards;           // [T, B] combined, before scaling and clipping
  torch::Tensor dones;             // [T, B] float 0/1
  torch::Tensor initial_state;     // [B, S]
};

struct TrainStats {
  double loss = 0, policy_loss = 0, value_loss = 0, entropy = 0, grad_norm = 0, mean_value = 0, mean_rho = 0;
};

class AppoTrainer {
 public:
  AppoTrainer(std::shared_ptr<PolicyNetImpl> net, const LearnerOptions& options);
  // One gradient step on `batch`.
  TrainStats step(const TrainBatch& batch);
  torch::optim::Adam& optimizer() { return optimizer_; }
  PolicyNetImpl& net() { return *net_; }

 private:
  std::shared_ptr<PolicyNetImpl> net_;
  LearnerOptions options_;
  torch::optim::Adam optimizer_;
};

}  // namespace spur
