#include "envs/toy/pick_env.h"

#include <algorithm>
#include <cstring>

#include "core/status.h"
#include "envs/env_registry.h"

namespace spur {
namespace {

constexpr int64_t kTaskBytes = 64;
const std::vector<std::string> kColours{"red", "green", "blue", "yellow", "white", "black", "silver", "golden"};

std::string keyText(const std::string& colour) { return "take the " + colour + " key"; }

}  // namespace

EnvSpec pickEnvSpec(const PickOptions& o) {
  if (o.max_candidates < 2 || o.max_candidates > static_cast<int64_t>(kColours.size()))
    throw Error(StatusCode::kInvalidArgument, "env.pick.max_candidates must be in [2, " + std::to_string(kColours.size()) + "]");
  if (o.max_steps < 1) throw Error(StatusCode::kInvalidArgument, "env.pick.max_steps must be >= 1");
  EnvSpec spec;
  spec.observations = {{"task", DType::kUInt8, {kTaskBytes}}, {"features", DType::kFloat32, {o.max_candidates}}};
  spec.text_observations = {"task"};
  spec.actions.kind = ActionSpace::Kind::kCandidates;
  spec.actions.max_candidates = o.max_candidates;
  spec.masked_actions = true;
  return spec;
}

PickEnv::PickEnv(const PickOptions& options) : o_(options), spec_(pickEnvSpec(options)) {
  mask_.assign(static_cast<std::size_t>(o_.max_candidates), 0);
  task_.assign(kTaskBytes, 0);
  features_.assign(static_cast<std::size_t>(o_.max_candidates), 0.f);
}

void PickEnv::deal() {
  // 2..max offered: the goal and distinct others, shuffled.
  const int64_t n = std::uniform_int_distribution<int64_t>(2, o_.max_candidates)(rng_);
  std::vector<std::string> others;
  for (const auto& c : kColours)
    if (c != goal_) others.push_back(c);
  std::shuffle(others.begin(), others.end(), rng_);
  std::vector<std::string> offered{goal_};
  offered.insert(offered.end(), others.begin(), others.begin() + (n - 1));
  std::shuffle(offered.begin(), offered.end(), rng_);
  candidates_.clear();
  std::fill(mask_.begin(), mask_.end(), 0);
  std::fill(features_.begin(), features_.end(), 0.f);
  for (std::size_t i = 0; i < offered.size(); ++i) {
    candidates_.push_back(keyText(offered[i]));
    mask_[i] = 1;
    if (offered[i] == goal_) features_[i] = 1.f;
  }
}

void PickEnv::reset(std::optional<uint64_t> seed) {
  rng_.seed(seed ? *seed : std::random_device{}());
  goal_ = kColours[std::uniform_int_distribution<std::size_t>(0, static_cast<std::size_t>(o_.max_candidates) - 1)(rng_)];
  const std::string task = keyText(goal_);
  std::fill(task_.begin(), task_.end(), 0);
  std::memcpy(task_.data(), task.data(), std::min<std::size_t>(task.size(), kTaskBytes));
  steps_ = wrong_ = 0;
  message_.clear();
  deal();
}

StepResult PickEnv::step(int64_t action) {
  SPUR_CHECK(action >= 0 && action < static_cast<int64_t>(candidates_.size()), "PickEnv: action is not an offered candidate");
  ++steps_;
  StepResult r;
  const std::string& taken = candidates_[static_cast<std::size_t>(action)];
  if (taken == keyText(goal_)) {
    r.reward = 1.0;
    r.done = true;
    r.end_status = EndStatus::kTaskSuccessful;
    message_ = "You take the " + goal_ + " key.";
    return r;
  }
  ++wrong_;
  r.reward = -o_.wrong_cost;
  message_ = "That is the " + taken.substr(9, taken.size() - 9 - 4) + " key.";
  if (steps_ >= o_.max_steps) {
    r.done = true;
    r.end_status = EndStatus::kTimeLimit;
    return r;
  }
  deal();
  return r;
}

TensorView PickEnv::observation(std::size_t index) const {
  SPUR_CHECK(index < 2, "PickEnv has two observations");
  return index == 0 ? TensorView{&spec_.observations[0], task_.data()} : TensorView{&spec_.observations[1], features_.data()};
}

SPUR_REGISTER_ENV({"pick", "a toy text game with a per-step list of candidate actions, for tests",
                   [](const EnvOptions& o) { return pickEnvSpec(envSection<PickOptions>(o, "pick")); },
                   [](const EnvOptions& o, int) -> std::unique_ptr<Env> { return std::make_unique<PickEnv>(envSection<PickOptions>(o, "pick")); }});

}  // namespace spur
