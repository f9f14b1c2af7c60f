// APPO with V-trace: the learner's loss and update, independent of networking so that it
// can be tested on hand-made batches. Includes LibTorch.
#pragma once

#include <torch/torch.h>

#include <memory>

#include "learner/learner_group.h"
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
  torch::Tensor action_mask;       // [T+1, B, A] uint8, 1 = valid; undefined: all valid
  torch::Tensor actions;           // [T, B] int64
  torch::Tensor behaviour_logits;  // [T, B, A] (for the KL statistic)
  torch::Tensor behaviour_logp;    // [T, B] log mu(a_t | x_t), as the actor sampled it
  torch::Tensor rewards;           // [T, B] combined, before scaling and clipping
  torch::Tensor dones;             // [T, B] float 0/1
  torch::Tensor initial_state;     // [B, S]
};

// `b` with every tensor on `device` (the same tensors when they are there already).
TrainBatch onDevice(const TrainBatch& b, torch::Device device);

// The APPO loss of one batch, given the current policy's masked log-probabilities and
// values and the V-trace targets (IMPALA's V-trace + PPO's clipped surrogate, as
// sample-factory's APPO):
//   ratio  = exp(log pi(a|x) - log mu(a|x))
//   policy = -mean(min(ratio * adv, clip(ratio, 1/(1+c), 1+c) * adv))
//   value  = 0.5 * mean((vs - V(x))^2)
//   total  = policy + value_coeff * value - entropy_coeff * entropy
struct AppoLossInputs {
  torch::Tensor log_probs;       // [T, B, A] current policy, masked log-softmax (carries gradients)
  torch::Tensor values;          // [T, B] current value estimates (carries gradients)
  torch::Tensor actions;         // [T, B]
  torch::Tensor behaviour_logp;  // [T, B]
  torch::Tensor advantages;      // [T, B] (already normalised if wanted), no gradient
  torch::Tensor value_targets;   // [T, B] vs, no gradient
};
struct AppoLoss {
  torch::Tensor total, policy, value, entropy;  // scalars
  torch::Tensor ratio;                          // [T, B], detached
};
AppoLoss appoLoss(const AppoLossInputs& in, const LearnerOptions& options);

struct TrainStats {
  double loss = 0, policy_loss = 0, value_loss = 0, entropy = 0, grad_norm = 0;
  double mean_value = 0;          // mean V(x_t) of the batch
  double mean_rho = 0;            // mean importance ratio pi/mu
  double approx_kl = 0;           // mean KL(mu || pi) over the batch's steps
  double clip_fraction = 0;       // share of steps whose ratio is outside the clip range
  double explained_variance = 0;  // 1 - Var(vs - V) / Var(vs)
  double learning_rate = 0;       // the rate this step used
};

class AppoTrainer {
 public:
  AppoTrainer(std::shared_ptr<PolicyNetImpl> net, const LearnerOptions& options);
  // Makes the update data-parallel over `group` (not owned; outlives the trainer; nullptr or
  // a group of one = this rank alone): each step normalises advantages with the group's
  // mean and standard deviation and applies the group's mean gradient (one flat fp32
  // buffer), so one step of N ranks on batches b_1..b_N equals one step of one rank on
  // their union (same-sized batches), and the ranks' parameters stay bit-identical. step()
  // then throws Error(kUnavailable) when a rank has gone.
  void setGroup(LearnerGroup* group) { group_ = group; }
  // Copies rank 0's parameters to every rank of the group (a collective: every rank calls it).
  void broadcastParameters();
  // The element-wise sum of `values` over the group (a collective); `values` itself alone.
  std::vector<double> sumOverGroup(std::vector<double> values);
  // Where the net's parameters are; step() moves each batch there.
  torch::Device device() const;
  // One gradient step on `batch` (moved to device() first when it is elsewhere).
  TrainStats step(const TrainBatch& batch);
  // The optimiser's learning rate from now on (the learner's schedule sets it per step).
  void setLearningRate(double lr);
  torch::optim::Adam& optimizer() { return optimizer_; }
  PolicyNetImpl& net() { return *net_; }

 private:
  torch::Tensor normalisedAdvantages(const torch::Tensor& adv);
  void averageGradients();

  std::shared_ptr<PolicyNetImpl> net_;
  LearnerOptions options_;
  torch::optim::Adam optimizer_;
  LearnerGroup* group_ = nullptr;
};

}  // namespace spur
