// The reward learner's offline labels file (loadOfflineLabels: a JSON object message ->
// number, "helpful" or "not_helpful") over arbitrary bytes. Every reward it loads goes into
// the reward tables the learner applies, which refuse non-finite rewards: all must be finite.
#include <cmath>

#include "fuzz/fuzz_util.h"
#include "reward_model/reward_model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string path = spur::fuzz::writeScratchFile("labels.json", spur::fuzz::asText(data, size));
  std::unordered_map<std::string, float> table;
  try {
    table = spur::loadOfflineLabels(path);
  } catch (const spur::Error&) {
    return 0;
  }
  for (const auto& [message, reward] : table) {
    if (!std::isfinite(reward)) std::fprintf(stderr, "offline label %g for \"%s\"\n", static_cast<double>(reward), message.substr(0, 60).c_str());
    SPUR_FUZZ_EXPECT(std::isfinite(reward));
  }
  return 0;
}
