// PickEnv: a toy candidate-action env, the smallest text game: it exercises the contract
// that ALFWorld and the search env use (a task text, a per-step list of candidate actions
// with their texts, a mask) through the same actor, unroll, learner and metrics.
//
// Each episode draws a goal colour; the task reads "take the <goal> key". Each step offers
// 2..max_candidates candidates "take the <colour> key" in a random order (slots beyond the
// offered ones are masked out). Taking the goal key gives +1 and ends the episode with
// success ("You take the <goal> key."); another key costs `wrong_cost` ("That is the
// <colour> key.") and the episode goes on, up to `max_steps` (then aborted).
// Observations: "task" (text, uint8 [64]) and "features" (float32 [max_candidates]: 1 at the
// slot that holds the goal, so that an MLP can learn it; a text policy reads the texts).
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "envs/env.h"

namespace spur {

struct PickOptions {
  int64_t max_candidates = 4;
  int64_t max_steps = 10;
  double wrong_cost = 0.1;

  template <class B>
  void bind(B& b) {
    b.field("max_candidates", max_candidates);
    b.field("max_steps", max_steps);
    b.field("wrong_cost", wrong_cost);
  }
};

// The spec of a PickEnv with these options. Throws Error for impossible options.
EnvSpec pickEnvSpec(const PickOptions& options);

class PickEnv : public Env {
 public:
  explicit PickEnv(const PickOptions& options);
  const EnvSpec& spec() const override { return spec_; }
  void reset(std::optional<uint64_t> seed) override;
  StepResult step(int64_t action) override;
  TensorView observation(std::size_t index) const override;
  std::span<const uint8_t> actionMask() const override { return mask_; }
  std::span<const std::string> candidates() const override { return candidates_; }
  std::string_view message() const override { return message_; }
  // wrong_picks: keys taken that were not the goal.
  std::vector<EpisodeMetric> episodeMetrics() const override { return {{"wrong_picks", static_cast<double>(wrong_)}}; }

 private:
  void deal();  // a new set of candidates for the next step

  PickOptions o_;
  EnvSpec spec_;
  std::mt19937_64 rng_;
  std::string goal_, message_;
  std::vector<std::string> candidates_;
  std::vector<uint8_t> mask_;
  std::vector<uint8_t> task_;
  std::vector<float> features_;
  int64_t steps_ = 0, wrong_ = 0;
};

}  // namespace spur
