#include "learner/appo.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <span>

namespace spur {

VTraceReturns vtrace(torch::Tensor log_rhos, torch::Tensor discounts, torch::Tensor rewards, torch::Tensor values,
                     torch::Tensor bootstrap_value, double rho_bar, double c_bar) {
  torch::NoGradGuard no_grad;
  const auto rhos = log_rhos.exp();
  const auto clipped_rhos = rhos.clamp_max(rho_bar);
  const auto cs = rhos.clamp_max(c_bar);
  const auto next_values = torch::cat({values.slice(0, 1), bootstrap_value.unsqueeze(0)}, 0);
  const auto deltas = clipped_rhos * (rewards + discounts * next_values - values);
  // vs_t - V(x_t) = delta_t + gamma_t c_t (vs_{t+1} - V(x_{t+1})), backwards in time.
  const int64_t T = values.size(0);
  auto acc = torch::zeros_like(bootstrap_value);
  std::vector<torch::Tensor> diffs(static_cast<std::size_t>(T));
  for (int64_t t = T - 1; t >= 0; --t) {
    acc = deltas[t] + discounts[t] * cs[t] * acc;
    diffs[static_cast<std::size_t>(t)] = acc;
  }
  const auto vs = torch::stack(diffs) + values;
  const auto next_vs = torch::cat({vs.slice(0, 1), bootstrap_value.unsqueeze(0)}, 0);
  const auto pg_advantages = clipped_rhos * (rewards + discounts * next_vs - values);
  return {vs, pg_advantages};
}

torch::Tensor combineRewards(const RewardOptions& r, torch::Tensor extrinsic, torch::Tensor intrinsic, torch::Tensor message_counts) {
  auto out = extrinsic.to(torch::kFloat32) * r.ext_coeff;
  if (intrinsic.defined() && r.int_coeff != 0.0)
    out = out + r.int_coeff * intrinsic / message_counts.to(torch::kFloat32).clamp_min(1).pow(r.beta);
  return out;
}

AppoTrainer::AppoTrainer(std::shared_ptr<PolicyNetImpl> net, const LearnerOptions& o)
    : net_(std::move(net)),
      options_(o),
      optimizer_(net_->parameters(), torch::optim::AdamOptions(o.learning_rate).betas({o.adam_beta1, o.adam_beta2}).eps(o.adam_eps)) {}

AppoLoss appoLoss(const AppoLossInputs& in, const LearnerOptions& o) {
  const auto action_logp = in.log_probs.gather(-1, in.actions.unsqueeze(-1)).squeeze(-1);
  const auto ratio = (action_logp - in.behaviour_logp).exp();
  const double clip = o.ppo_clip;
  const auto clipped = ratio.clamp(1.0 / (1.0 + clip), 1.0 + clip);
  AppoLoss l;
  l.policy = -torch::min(ratio * in.advantages, clipped * in.advantages).mean();
  l.value = 0.5 * (in.value_targets - in.values).pow(2).mean();
  l.entropy = -(in.log_probs.exp() * in.log_probs).sum(-1).mean();
  l.total = l.policy + o.value_coeff * l.value - o.entropy_coeff * l.entropy;
  l.ratio = ratio.detach();
  return l;
}

void AppoTrainer::setLearningRate(double lr) {
  for (auto& group : optimizer_.param_groups()) static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
}

// Over a group: the union's mean and unbiased standard deviation, two passes as torch's
// std() (the sum, then the squared deviations from the group's mean), in double.
torch::Tensor AppoTrainer::normalisedAdvantages(const torch::Tensor& adv) {
  if (!group_ || group_->worldSize() == 1) return (adv - adv.mean()) / adv.std().clamp_min(1e-3);
  const auto sum_n = sumOverGroup({adv.sum().item<double>(), static_cast<double>(adv.numel())});
  const double mean = sum_n[0] / sum_n[1];
  const double squares = sumOverGroup({(adv.to(torch::kFloat64) - mean).pow(2).sum().item<double>()})[0];
  const double std = sum_n[1] > 1 ? std::sqrt(squares / (sum_n[1] - 1)) : 0.0;
  return (adv - mean) / std::max(std, 1e-3);
}

// Through a tensor on the net's device: a GPU group reduces GPU memory.
std::vector<double> AppoTrainer::sumOverGroup(std::vector<double> values) {
  if (!group_ || group_->worldSize() == 1 || values.empty()) return values;
  torch::Tensor t = torch::tensor(values, torch::kFloat64).to(device()).contiguous();
  group_->allReduceSum(std::span<double>(t.data_ptr<double>(), values.size()));
  t = t.cpu();
  std::memcpy(values.data(), t.data_ptr<double>(), values.size() * sizeof(double));
  return values;
}

torch::Device AppoTrainer::device() const {
  const auto params = net_->parameters();
  return params.empty() ? torch::Device(torch::kCPU) : params.front().device();
}

TrainBatch onDevice(const TrainBatch& b, torch::Device device) {
  auto to = [&](const torch::Tensor& t) { return t.defined() ? t.to(device) : t; };
  TrainBatch out;
  for (const auto& [name, t] : b.obs) out.obs[name] = to(t);
  out.action_mask = to(b.action_mask);
  out.actions = to(b.actions);
  out.behaviour_logits = to(b.behaviour_logits);
  out.behaviour_logp = to(b.behaviour_logp);
  out.rewards = to(b.rewards);
  out.dones = to(b.dones);
  out.initial_state = to(b.initial_state);
  return out;
}

// One flat fp32 buffer: one collective per update whatever the number of parameter tensors.
// A parameter without a gradient (unused by this batch) contributes zeros, so every rank
// sends the same layout.
void AppoTrainer::averageGradients() {
  if (!group_ || group_->worldSize() == 1) return;
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> params = net_->parameters(), parts;
  for (auto& p : params) parts.push_back(p.grad().defined() ? p.grad().reshape(-1) : torch::zeros({p.numel()}, p.options()));
  torch::Tensor flat = torch::cat(parts).to(torch::kFloat32).contiguous();
  group_->allReduceSum(std::span<float>(flat.data_ptr<float>(), static_cast<std::size_t>(flat.numel())));
  flat.div_(static_cast<double>(group_->worldSize()));
  int64_t offset = 0;
  for (auto& p : params) {
    const int64_t n = p.numel();
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
    p.mutable_grad().copy_(flat.narrow(0, offset, n).view_as(p));
    offset += n;
  }
}

void AppoTrainer::broadcastParameters() {
  if (!group_ || group_->worldSize() == 1) return;
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> params = net_->parameters(), parts;
  for (auto& p : params) parts.push_back(p.detach().reshape(-1).to(torch::kFloat32));
  torch::Tensor flat = torch::cat(parts).contiguous();
  // x + 0 + ... + 0 == x exactly: a sum in which only rank 0 contributes is a broadcast.
  if (group_->rank() != 0) flat.zero_();
  group_->allReduceSum(std::span<float>(flat.data_ptr<float>(), static_cast<std::size_t>(flat.numel())));
  int64_t offset = 0;
  for (auto& p : params) {
    const int64_t n = p.numel();
    p.copy_(flat.narrow(0, offset, n).view_as(p));
    offset += n;
  }
}

TrainStats AppoTrainer::step(const TrainBatch& batch) {
  const TrainBatch b = onDevice(batch, device());
  const int64_t T = b.actions.size(0);
  // Recurrence over all T+1 observations; step t+1 starts a new episode when done[t].
  auto resets = torch::cat({torch::zeros_like(b.dones.slice(0, 0, 1)), b.dones}, 0);
  const PolicyOutput out = net_->forward(b.obs, b.initial_state, resets);
  const auto logits = out.logits.slice(0, 0, T);
  const auto values = out.values.slice(0, 0, T);
  const auto bootstrap = out.values[T].detach();

  const auto mask = b.action_mask.defined() ? b.action_mask.slice(0, 0, T) : torch::Tensor();
  const auto log_probs = maskedLogSoftmax(logits, mask);
  const auto action_logp = log_probs.gather(-1, b.actions.unsqueeze(-1)).squeeze(-1);
  const auto log_ratio = action_logp - b.behaviour_logp;

  const auto rewards = (b.rewards * options_.reward_scale).clamp(-options_.reward_clip, options_.reward_clip);
  const auto discounts = (1 - b.dones) * options_.gamma;
  const auto returns = vtrace(log_ratio.detach(), discounts, rewards, values.detach(), bootstrap, options_.rho_bar, options_.c_bar);

  auto adv = returns.pg_advantages;
  if (options_.normalize_advantages) adv = normalisedAdvantages(adv);
  const AppoLoss loss = appoLoss({log_probs, values, b.actions, b.behaviour_logp, adv.detach(), returns.vs}, options_);

  optimizer_.zero_grad();
  loss.total.backward();
  averageGradients();
  const double grad_norm = torch::nn::utils::clip_grad_norm_(net_->parameters(), options_.max_grad_norm);
  optimizer_.step();

  TrainStats s;
  s.loss = loss.total.item<double>();
  s.policy_loss = loss.policy.item<double>();
  s.value_loss = loss.value.item<double>();
  s.entropy = loss.entropy.item<double>();
  s.grad_norm = grad_norm;
  torch::NoGradGuard no_grad;
  s.mean_value = values.mean().item<double>();
  s.mean_rho = loss.ratio.mean().item<double>();
  const double clip = options_.ppo_clip;
  s.clip_fraction = ((loss.ratio > 1.0 + clip) | (loss.ratio < 1.0 / (1.0 + clip))).to(torch::kFloat32).mean().item<double>();
  const auto behaviour_log_probs = maskedLogSoftmax(b.behaviour_logits, mask);
  s.approx_kl = (behaviour_log_probs.exp() * (behaviour_log_probs - log_probs.detach())).sum(-1).mean().item<double>();
  const double var_targets = returns.vs.var().item<double>();
  s.explained_variance = var_targets > 0 ? 1.0 - (returns.vs - values.detach()).var().item<double>() / var_targets : 0.0;
  s.learning_rate = static_cast<torch::optim::AdamOptions&>(optimizer_.param_groups()[0].options()).lr();
  return s;
}

}  // namespace spur
