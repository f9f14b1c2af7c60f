#include "learner/learner_report.h"

#include <doctest/doctest.h>

#include <algorithm>

namespace {

bool has(const std::vector<std::pair<std::string, double>>& s, const std::string& tag, double value) {
  return std::any_of(s.begin(), s.end(), [&](const auto& p) { return p.first == tag && p.second == doctest::Approx(value); });
}
bool hasTag(const std::vector<std::pair<std::string, double>>& s, const std::string& tag) {
  return std::any_of(s.begin(), s.end(), [&](const auto& p) { return p.first == tag; });
}

}  // namespace

TEST_CASE("learner report: episode metrics and ONI's headline numbers under episode/, no train/ before an update") {
  spur::LearnerReport r;
  r.frames = 1000;
  r.updates = 0;
  r.episode_means = {{"return", 2.5}, {"length", 40}, {"success_rate", 0.25}, {"depth", 3}};
  auto s = spur::learnerScalars(r);
  CHECK(has(s, "episode/success_rate", 0.25));
  CHECK(has(s, "episode/depth", 3));
  CHECK_FALSE(hasTag(s, "train/lr"));  // nothing trained yet: no 0 that reads as a learning rate
  CHECK_FALSE(hasTag(s, "reward/intrinsic_mean"));
  CHECK(has(s, "train/updates", 0));

  spur::TrainStats t;
  t.learning_rate = 1e-4;
  t.approx_kl = 0.02;
  t.explained_variance = 0.5;
  r.train = t;
  r.intrinsic_mean = 0.03;
  r.reward_table_version = 7;
  s = spur::learnerScalars(r);
  CHECK(has(s, "train/lr", 1e-4));
  CHECK(has(s, "train/approx_kl", 0.02));
  CHECK(has(s, "train/explained_variance", 0.5));
  CHECK(has(s, "reward/intrinsic_mean", 0.03));
  CHECK(has(s, "reward_model/version", 7));
}

TEST_CASE("learner report: the progress line the launcher relays") {
  spur::LearnerReport r;
  r.frames = 4096;
  r.episodes = 12;
  r.fps_10s = 1234.4;
  r.fps_60s = 1200.6;
  r.queue_fill = 0.5;
  r.dropped_malformed = 1;
  r.episode_means = {{"return", 2.5}, {"length", 40}, {"success_rate", 0.25}};
  CHECK(spur::progressLine(r) ==
        "progress: frames 4096 | fps 10s 1234 60s 1201 | episodes 12 | return(100) 2.500 | len(100) 40.0 | success(100) 0.25 | lag 0.0 | queue 50% | "
        "dropped 1+0");
}
