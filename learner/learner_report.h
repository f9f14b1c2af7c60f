// LearnerReport: what the learner shows every run.progress_interval_s: the TensorBoard
// scalars (episode/, reward/, reward_model/, perf/, train/) and the progress line that
// `spur train` relays. Built from plain values so that both can be tested without a run.
// Includes LibTorch (TrainStats lives with the trainer).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "learner/appo.h"

namespace spur {

struct LearnerReport {
  int64_t frames = 0, updates = 0, episodes = 0;
  double fps_10s = 0, fps_60s = 0, policy_lag = 0, queue_fill = 0;  // queue_fill in [0, 1]
  int64_t dropped_malformed = 0, dropped_stale = 0;
  double extrinsic_mean = 0;
  // With an intrinsic reward: its mean per step and the reward table in use.
  std::optional<double> intrinsic_mean;
  uint64_t reward_table_version = 0;
  std::size_t reward_table_size = 0;
  std::map<std::string, double> episode_means;  // EpisodeWindow::means()
  std::optional<TrainStats> train;              // the latest update's; none before the first
};

// Tag -> value, in a fixed order. episode/<name> for every episode mean; train/* only
// after an update (a 0 there would read as a real value).
std::vector<std::pair<std::string, double>> learnerScalars(const LearnerReport& report);

// "progress: frames N | fps 10s ... | return(100) ... | success(100) ... | dropped M+S".
std::string progressLine(const LearnerReport& report);

}  // namespace spur
