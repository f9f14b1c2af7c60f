// ChainEnv: a toy env with a known optimum, for end-to-end training tests.
//
// The agent starts at cell 0 of a chain of `length` cells and sees its position one-hot
// ("features", float32 [length]). Action 0 moves left (the wall stops it at 0), action 1
// moves right. Each step costs `step_cost`; reaching the last cell gives +1 and ends the
// episode; after `max_steps` the episode is aborted. The optimal return is
// 1 - step_cost * (length - 1), reached in length - 1 steps. With mask_wall, LEFT is
// masked out (invalid) at cell 0, which exercises the action-mask path end to end.
#pragma once

#include <array>
#include <cstdint>
#include <random>

#include "envs/env.h"

namespace spur {

struct ChainOptions {
  int64_t length = 8;
  double step_cost = 0.01;
  int64_t max_steps = 30;
  bool mask_wall = false;

  template <class B>
  void bind(B& b) {
    b.field("length", length);
    b.field("step_cost", step_cost);
    b.field("max_steps", max_steps);
    b.field("mask_wall", mask_wall);
  }
};

// The spec of a ChainEnv with these options. Throws Error for impossible options.
EnvSpec chainEnvSpec(const ChainOptions& options);

class ChainEnv : public Env {
 public:
  explicit ChainEnv(const ChainOptions& options);
  const EnvSpec& spec() const override { return spec_; }
  void reset(std::optional<uint64_t> seed) override;
  StepResult step(int64_t action) override;
  TensorView observation(std::size_t index) const override;
  std::span<const uint8_t> actionMask() const override;
  std::string_view message() const override { return message_; }
  // position: the cell the episode ended on.
  std::vector<EpisodeMetric> episodeMetrics() const override { return {{"position", static_cast<double>(position_)}}; }

  double optimalReturn() const { return 1.0 - options_.step_cost * static_cast<double>(options_.length - 1); }

 private:
  ChainOptions options_;
  EnvSpec spec_;
  std::vector<float> features_;
  std::array<uint8_t, 2> mask_{1, 1};
  int64_t position_ = 0, steps_ = 0;
  std::string message_;
};

}  // namespace spur
