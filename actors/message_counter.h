// MessageCounter: how many times each message text has appeared in the current episode of
// one env (ONI's msg_count: the count divides the intrinsic reward, r_int / count^beta).
// Counted once, in the actor, for every env. Not thread-safe; one per env.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace spur {

class MessageCounter {
 public:
  // A new episode: every count is 0.
  void reset() { counts_.clear(); }
  // Counts one more appearance of `text` and returns its count, this one included.
  int32_t count(std::string_view text) {
    auto it = counts_.find(text);  // no allocation for a text seen before
    if (it == counts_.end()) it = counts_.emplace(std::string(text), 0).first;
    return ++it->second;
  }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, int32_t, Hash, std::equal_to<>> counts_;
};

}  // namespace spur
