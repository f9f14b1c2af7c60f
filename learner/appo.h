// APPO with V-trace: the learner's loss and update, independent of networking so that it
// can be tested on hand-made batches. Includes LibTorch.
#pragma once

#include <torch/torch.h>

#include <memory>

#include "models/policy_net.h"

namespace spur {

// The YAML section `learner`. Defaults are ONI's (refs/oni.md section 8).
struct LearnerOptions {
  int64_t rollout = 32;          // T: steps per unroll
  int64_t batch_size = 1024;     // samples (T x envs) per update
  double learning_rate = 1e-4;
  double adam_beta1 = 0.9;
  double adam_beta2 = 0.999;
  double adam_eps = 1e-6;
  double gamma = 0.99;
  double ppo_clip = 0.1;         // ratio clipped to [1/(1+c), 1+c]
  double entropy_coeff = 0.003;
  double value_coeff = 0.5;
  double max_grad_norm = 4.0;
  double rho_bar = 1.0;          // V-trace importance-weight clip
  double c_bar = 1.0;            // V-trace trace clip
  double reward_scale = 1.0;
  double reward_clip = 10.0;     // |r| <= clip after scaling
  bool normalize_advantages = true;
  int64_t max_policy_lag = 10000;  // unrolls more than this many updates old are dropped
  int64_t queue_unrolls = 64;      // bounded queue of received unrolls

  template <class B>
  void bind(B& b) {
    b.field("rollout", rollout);
    b.field("batch_size", batch_size);
    b.field("learning_rate", learning_rate);
    b.field("adam_beta1", adam_beta1);
    b.field("adam_beta2", adam_beta2);
    b.field("adam_eps", adam_eps);
    b.field("gamma", gamma);
    b.field("ppo_clip", ppo_clip);
    b.field("entropy_coeff", entropy_coeff);
    b.field("value_coeff", value_coeff);
    b.field("max_grad_norm", max_grad_norm);
    b.field("rho_bar", rho_bar);
    b.field("c_bar", c_bar);
    b.field("reward_scale", reward_scale);
    b.field("reward_clip", reward_clip);
    b.field("normalize_advantages", normalize_advantages);
    b.field("max_policy_lag", max_policy_lag);
    b.field("queue_unrolls", queue_unrolls);
  }
};

// The YAML section `reward`: r = ext_coeff * r_ext + int_coeff * r_int / count^beta.
struct RewardOptions {
  std::string type = "none";  // intrinsic reward model; only `none` so far
  double ext_coeff = 1.0;
  double int_coeff = 0.0;
  double beta = 3.0;          // count exponent (ONI's beta_count_exponent)

  template <class B>
  void bind(B& b) {
    b.field("type", type);
    b.field("ext_coeff", ext_coeff);
    b.field("int_coeff", int_coeff);
    b.field("beta", beta);
  }
};

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
