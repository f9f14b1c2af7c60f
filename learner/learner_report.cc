#include "learner/learner_report.h"

#include <spdlog/fmt/fmt.h>

namespace spur {
namespace {

double meanOr0(const std::map<std::string, double>& means, const std::string& name) {
  auto it = means.find(name);
  return it == means.end() ? 0.0 : it->second;
}

}  // namespace

std::vector<std::pair<std::string, double>> learnerScalars(const LearnerReport& r) {
  std::vector<std::pair<std::string, double>> s;
  // ONI's headline numbers (success rate, depth, ...) and every metric the env reports,
  // as means over the last 100 episodes.
  for (const auto& [name, mean] : r.episode_means) s.emplace_back("episode/" + name, mean);
  s.emplace_back("reward/extrinsic_mean", r.extrinsic_mean);
  if (r.intrinsic_mean) {
    s.emplace_back("reward/intrinsic_mean", *r.intrinsic_mean);
    s.emplace_back("reward_model/version", static_cast<double>(r.reward_table_version));
    s.emplace_back("reward_model/table_size", static_cast<double>(r.reward_table_size));
  }
  s.emplace_back("perf/fps_10s", r.fps_10s);
  s.emplace_back("perf/fps_60s", r.fps_60s);
  s.emplace_back("perf/policy_lag", r.policy_lag);
  s.emplace_back("perf/queue_fill", r.queue_fill);
  s.emplace_back("perf/dropped_malformed", static_cast<double>(r.dropped_malformed));
  s.emplace_back("perf/dropped_stale", static_cast<double>(r.dropped_stale));
  if (r.train) {
    const TrainStats& t = *r.train;
    s.emplace_back("train/loss", t.loss);
    s.emplace_back("train/policy_loss", t.policy_loss);
    s.emplace_back("train/value_loss", t.value_loss);
    s.emplace_back("train/entropy", t.entropy);
    s.emplace_back("train/grad_norm", t.grad_norm);
    s.emplace_back("train/lr", t.learning_rate);
    s.emplace_back("train/mean_rho", t.mean_rho);
    s.emplace_back("train/mean_value", t.mean_value);
    s.emplace_back("train/approx_kl", t.approx_kl);
    s.emplace_back("train/clip_fraction", t.clip_fraction);
    s.emplace_back("train/explained_variance", t.explained_variance);
  }
  s.emplace_back("train/updates", static_cast<double>(r.updates));
  return s;
}

std::string progressLine(const LearnerReport& r) {
  return fmt::format(
      "progress: frames {} | fps 10s {:.0f} 60s {:.0f} | episodes {} | return(100) {:.3f} | len(100) {:.1f} | success(100) {:.2f} | lag {:.1f} | "
      "queue {:.0f}% | dropped {}+{}",
      r.frames, r.fps_10s, r.fps_60s, r.episodes, meanOr0(r.episode_means, "return"), meanOr0(r.episode_means, "length"),
      meanOr0(r.episode_means, "success_rate"), r.policy_lag, 100 * r.queue_fill, r.dropped_malformed, r.dropped_stale);
}

}  // namespace spur
