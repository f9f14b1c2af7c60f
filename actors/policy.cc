#include "actors/policy.h"

#include <algorithm>
#include <cstring>
#include <random>

#include "models/torch_codec.h"

namespace spur {
namespace {

class LocalPolicy : public Policy {
 public:
  LocalPolicy(const ModelOptions& model, const std::vector<TensorSpec>& spec, int64_t num_actions)
      : net_(makePolicyNet(model, spec, num_actions)) {
    net_->eval();
  }
  int64_t stateSize() const override { return net_->stateSize(); }
  void act(const ObsMap& obs, torch::Tensor* state, float* logits, int64_t* actions) override {
    torch::NoGradGuard no_grad;
    const int64_t B = state->size(0);
    auto out = net_->forward(obs, *state, torch::zeros({1, B}));
    *state = out.state;
    const auto step_logits = out.logits[0].contiguous();
    const auto sampled = torch::multinomial(torch::softmax(step_logits, -1), 1).squeeze(1).contiguous();
    std::memcpy(logits, step_logits.data_ptr<float>(), sizeof(float) * static_cast<std::size_t>(step_logits.numel()));
    std::memcpy(actions, sampled.data_ptr<int64_t>(), sizeof(int64_t) * static_cast<std::size_t>(B));
  }
  Status update(schema::Params::Reader params) override { return loadParams(params, *net_); }
  bool needsParams() const override { return true; }

 private:
  std::shared_ptr<PolicyNetImpl> net_;
};

class RandomPolicy : public Policy {
 public:
  RandomPolicy(int64_t num_actions, int64_t state_size, uint64_t seed)
      : num_actions_(num_actions), state_size_(state_size), rng_(seed), uniform_(0, num_actions - 1) {}
  int64_t stateSize() const override { return state_size_; }
  void act(const ObsMap&, torch::Tensor* state, float* logits, int64_t* actions) override {
    const int64_t B = state->size(0);
    std::fill(logits, logits + B * num_actions_, 0.0f);
    for (int64_t b = 0; b < B; ++b) actions[b] = uniform_(rng_);
  }
  bool readsObservations() const override { return false; }
  Status update(schema::Params::Reader) override { return Status::ok(); }
  bool needsParams() const override { return false; }

 private:
  int64_t num_actions_, state_size_;
  std::mt19937_64 rng_;
  std::uniform_int_distribution<int64_t> uniform_;
};

}  // namespace

std::unique_ptr<Policy> makeLocalPolicy(const ModelOptions& model, const std::vector<TensorSpec>& obs_spec, int64_t num_actions) {
  return std::make_unique<LocalPolicy>(model, obs_spec, num_actions);
}

std::unique_ptr<Policy> makeRandomPolicy(int64_t num_actions, int64_t state_size, uint64_t seed) {
  return std::make_unique<RandomPolicy>(num_actions, state_size, seed);
}

}  // namespace spur
