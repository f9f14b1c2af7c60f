#include "actors/policy.h"

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
  void act(const ObsMap& obs, torch::Tensor* state, torch::Tensor* logits, torch::Tensor* actions) override {
    torch::NoGradGuard no_grad;
    const int64_t B = state->size(0);
    auto out = net_->forward(obs, *state, torch::zeros({1, B}));
    *state = out.state;
    *logits = out.logits[0];
    *actions = torch::multinomial(torch::softmax(*logits, -1), 1).squeeze(1);
  }
  Status update(schema::Params::Reader params) override { return loadParams(params, *net_); }
  bool needsParams() const override { return true; }

 private:
  std::shared_ptr<PolicyNetImpl> net_;
};

class RandomPolicy : public Policy {
 public:
  RandomPolicy(int64_t num_actions, int64_t state_size) : num_actions_(num_actions), state_size_(state_size) {}
  int64_t stateSize() const override { return state_size_; }
  void act(const ObsMap&, torch::Tensor* state, torch::Tensor* logits, torch::Tensor* actions) override {
    const int64_t B = state->size(0);
    *logits = torch::zeros({B, num_actions_});
    *actions = torch::randint(num_actions_, {B}, torch::kInt64);
  }
  Status update(schema::Params::Reader) override { return Status::ok(); }
  bool needsParams() const override { return false; }

 private:
  int64_t num_actions_, state_size_;
};

}  // namespace

std::unique_ptr<Policy> makeLocalPolicy(const ModelOptions& model, const std::vector<TensorSpec>& obs_spec, int64_t num_actions) {
  return std::make_unique<LocalPolicy>(model, obs_spec, num_actions);
}

std::unique_ptr<Policy> makeRandomPolicy(int64_t num_actions, int64_t state_size) {
  return std::make_unique<RandomPolicy>(num_actions, state_size);
}

}  // namespace spur
