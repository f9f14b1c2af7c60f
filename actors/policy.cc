#include "actors/policy.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include "models/torch_codec.h"

namespace spur {

namespace {

class LocalPolicy : public Policy {
 public:
  LocalPolicy(const ModelOptions& model, const std::vector<TensorSpec>& spec, int64_t num_actions, int64_t num_envs)
      : net_(makePolicyNet(model, spec, num_actions)), num_actions_(num_actions) {
    net_->eval();
    state_ = torch::zeros({num_envs, net_->stateSize()});
  }
  int64_t stateSize() const override { return net_->stateSize(); }
  void copyState(float* out) const override {
    std::memcpy(out, state_.data_ptr<float>(), sizeof(float) * static_cast<std::size_t>(state_.numel()));
  }
  void resetState(int64_t b) override { state_[b].zero_(); }
  void act(const PolicyStep& step) override {
    torch::NoGradGuard no_grad;
    const int64_t B = state_.size(0);
    auto out = net_->forward(*step.obs, state_, torch::zeros({1, B}));
    state_ = out.state.contiguous();
    const auto logits = out.logits[0].contiguous();
    torch::Tensor mask;
    if (step.action_mask) mask = torch::from_blob(const_cast<uint8_t*>(step.action_mask), {B, num_actions_}, torch::kUInt8).to(torch::kBool);
    const auto log_probs = maskedLogSoftmax(logits, mask);
    const auto sampled = torch::multinomial(log_probs.exp(), 1).contiguous();
    const auto logp = log_probs.gather(1, sampled).squeeze(1).contiguous();
    std::memcpy(step.logits, logits.data_ptr<float>(), sizeof(float) * static_cast<std::size_t>(logits.numel()));
    std::memcpy(step.actions, sampled.data_ptr<int64_t>(), sizeof(int64_t) * static_cast<std::size_t>(B));
    std::memcpy(step.logp, logp.data_ptr<float>(), sizeof(float) * static_cast<std::size_t>(B));
  }
  Status update(schema::Params::Reader params) override { return loadParams(params, *net_); }
  bool needsParams() const override { return true; }

 private:
  std::shared_ptr<PolicyNetImpl> net_;
  int64_t num_actions_;
  torch::Tensor state_;  // [B, S]
};

class RandomPolicy : public Policy {
 public:
  RandomPolicy(int64_t num_actions, int64_t state_size, int64_t num_envs, uint64_t seed)
      : num_actions_(num_actions), state_size_(state_size), num_envs_(num_envs), rng_(seed), uniform_(0, num_actions - 1) {}
  int64_t stateSize() const override { return state_size_; }
  void copyState(float* out) const override { std::fill(out, out + num_envs_ * state_size_, 0.0f); }
  void resetState(int64_t) override {}
  void act(const PolicyStep& step) override {
    std::fill(step.logits, step.logits + num_envs_ * num_actions_, 0.0f);
    for (int64_t b = 0; b < num_envs_; ++b) {
      if (!step.action_mask) {
        // Unmasked: the same draws as before masks existed, so benchmarks replay the same games.
        step.actions[b] = uniform_(rng_);
        step.logp[b] = -std::log(static_cast<float>(num_actions_));
        continue;
      }
      const uint8_t* row = step.action_mask + b * num_actions_;
      const int64_t valid = std::count_if(row, row + num_actions_, [](uint8_t m) { return m != 0; });
      int64_t k = std::uniform_int_distribution<int64_t>(0, valid - 1)(rng_);
      for (int64_t a = 0; a < num_actions_; ++a)
        if (row[a] && k-- == 0) step.actions[b] = a;
      step.logp[b] = -std::log(static_cast<float>(valid));
    }
  }
  bool readsObservations() const override { return false; }
  Status update(schema::Params::Reader) override { return Status::ok(); }
  bool needsParams() const override { return false; }

 private:
  int64_t num_actions_, state_size_, num_envs_;
  std::mt19937_64 rng_;
  std::uniform_int_distribution<int64_t> uniform_;
};

}  // namespace

std::unique_ptr<Policy> makeLocalPolicy(const ModelOptions& model, const std::vector<TensorSpec>& obs_spec, int64_t num_actions, int64_t num_envs) {
  return std::make_unique<LocalPolicy>(model, obs_spec, num_actions, num_envs);
}

std::unique_ptr<Policy> makeRandomPolicy(int64_t num_actions, int64_t state_size, int64_t num_envs, uint64_t seed) {
  return std::make_unique<RandomPolicy>(num_actions, state_size, num_envs, seed);
}

}  // namespace spur
