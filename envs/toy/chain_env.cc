#include "envs/toy/chain_env.h"

#include "core/status.h"
#include "envs/env_registry.h"

namespace spur {

EnvSpec chainEnvSpec(const ChainOptions& options) {
  if (options.length < 2 || options.max_steps < 1)
    throw Error(StatusCode::kInvalidArgument, "env.chain needs length >= 2 and max_steps >= 1");
  EnvSpec spec;
  spec.observations.push_back({"features", DType::kFloat32, {options.length}});
  spec.actions.names = {"LEFT", "RIGHT"};
  spec.masked_actions = options.mask_wall;
  return spec;
}

ChainEnv::ChainEnv(const ChainOptions& options) : options_(options), spec_(chainEnvSpec(options)) {
  features_.assign(static_cast<std::size_t>(options.length), 0.f);
}

std::span<const uint8_t> ChainEnv::actionMask() const {
  if (!options_.mask_wall) return {};
  return mask_;
}

void ChainEnv::reset(std::optional<uint64_t>) {
  position_ = 0;
  steps_ = 0;
  std::fill(features_.begin(), features_.end(), 0.f);
  features_[0] = 1.f;
  message_.clear();
  mask_[0] = 0;
}

StepResult ChainEnv::step(int64_t action) {
  SPUR_CHECK(action == 1 || (action == 0 && (!options_.mask_wall || position_ > 0)), "ChainEnv: action out of range or masked");
  features_[static_cast<std::size_t>(position_)] = 0.f;
  position_ = std::max<int64_t>(0, position_ + (action == 1 ? 1 : -1));
  features_[static_cast<std::size_t>(position_)] = 1.f;
  ++steps_;
  StepResult r;
  r.reward = -options_.step_cost;
  if (position_ == options_.length - 1) {
    r.reward += 1.0;
    r.done = true;
    r.end_status = EndStatus::kTaskSuccessful;
    message_ = "You reach the end of the chain.";
  } else if (steps_ >= options_.max_steps) {
    r.done = true;
    r.end_status = EndStatus::kTimeLimit;
    message_.clear();
  } else {
    message_ = position_ == 0 ? "You bump into the wall." : "";
  }
  mask_[0] = position_ > 0 ? 1 : 0;
  return r;
}

TensorView ChainEnv::observation(std::size_t index) const {
  SPUR_CHECK(index == 0, "ChainEnv has one observation");
  return {&spec_.observations[0], features_.data()};
}

SPUR_REGISTER_ENV({"chain", "a toy chain with a known optimum, for tests",
                   [](const EnvOptions& o) { return chainEnvSpec(envSection<ChainOptions>(o, "chain")); },
                   [](const EnvOptions& o, int) -> std::unique_ptr<Env> { return std::make_unique<ChainEnv>(envSection<ChainOptions>(o, "chain")); }});

}  // namespace spur
