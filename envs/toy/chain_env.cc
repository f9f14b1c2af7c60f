#include "envs/toy/chain_env.h"

#include "core/status.h"

namespace spur {

ChainEnv::ChainEnv(const ChainOptions& options) : options_(options) {
  if (options.length < 2 || options.max_steps < 1)
    throw Error(StatusCode::kInvalidArgument, "env.chain needs length >= 2 and max_steps >= 1");
  spec_.push_back({"features", DType::kFloat32, {options.length}});
  actions_.names = {"LEFT", "RIGHT"};
  features_.assign(static_cast<std::size_t>(options.length), 0.f);
}

void ChainEnv::reset(std::optional<uint64_t>) {
  position_ = 0;
  steps_ = 0;
  std::fill(features_.begin(), features_.end(), 0.f);
  features_[0] = 1.f;
  message_.clear();
  message_count_ = 1;
}

StepResult ChainEnv::step(int64_t action) {
  SPUR_CHECK(action == 0 || action == 1, "ChainEnv: action out of range");
  features_[static_cast<std::size_t>(position_)] = 0.f;
  position_ = std::max<int64_t>(0, position_ + (action == 1 ? 1 : -1));
  features_[static_cast<std::size_t>(position_)] = 1.f;
  ++steps_;
  StepResult r;
  r.reward = -options_.step_cost;
  const std::string before = message_;
  if (position_ == options_.length - 1) {
    r.reward += 1.0;
    r.done = true;
    r.end_status = EndStatus::kTaskSuccessful;
    message_ = "You reach the end of the chain.";
  } else if (steps_ >= options_.max_steps) {
    r.done = true;
    r.end_status = EndStatus::kAborted;
    message_.clear();
  } else {
    message_ = position_ == 0 ? "You bump into the wall." : "";
  }
  message_count_ = message_ == before ? message_count_ + 1 : 1;
  return r;
}

TensorView ChainEnv::observation(std::size_t index) const {
  SPUR_CHECK(index == 0, "ChainEnv has one observation");
  return {&spec_[0], features_.data()};
}

}  // namespace spur
