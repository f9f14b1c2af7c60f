// EpisodeWindow: the learner's running view of finished episodes: for each named value
// (return, length, success, and whatever metrics the env reports: depth, gold, score, ...)
// the mean over the last `size` episodes that reported it. These are the `episode/*`
// TensorBoard scalars and the summary's numbers. Torch-free; not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace spur {

class EpisodeWindow {
 public:
  explicit EpisodeWindow(std::size_t size = 100) : size_(size) {}

  // One finished episode. success: it ended with the task accomplished.
  void add(double episode_return, int64_t length, bool success, const std::vector<std::pair<std::string, double>>& metrics) {
    push("return", episode_return);
    push("length", static_cast<double>(length));
    push("success_rate", success ? 1.0 : 0.0);
    for (const auto& [name, value] : metrics) push(name, value);
    ++episodes_;
  }

  // Mean of `name` over its window; 0 before any episode reported it.
  double mean(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end() || it->second.empty()) return 0.0;
    double s = 0;
    for (double v : it->second) s += v;
    return s / static_cast<double>(it->second.size());
  }
  // Every name seen, sorted, with its mean.
  std::map<std::string, double> means() const {
    std::map<std::string, double> out;
    for (const auto& [name, _] : values_) out[name] = mean(name);
    return out;
  }
  int64_t episodes() const { return episodes_; }

 private:
  void push(const std::string& name, double value) {
    auto& d = values_[name];
    d.push_back(value);
    if (d.size() > size_) d.pop_front();
  }

  std::size_t size_;
  std::map<std::string, std::deque<double>> values_;
  int64_t episodes_ = 0;
};

}  // namespace spur
