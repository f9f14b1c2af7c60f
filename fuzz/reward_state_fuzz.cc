// The reward learner's checkpoint state (IntrinsicRewardModel::load of a retrieval model:
// dir/state.json with the messages seen and the labels) over arbitrary bytes; a state that
// loads is published as the learner's reward table, which refuses non-finite rewards: all
// must be finite.
#include <cmath>

#include "core/reward_options.h"
#include "fuzz/fuzz_util.h"
#include "reward_model/reward_model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  spur::fuzz::writeScratchFile("state.json", spur::fuzz::asText(data, size));
  spur::RewardOptions o;
  o.type = spur::RewardType::kRetrieval;
  auto model = spur::makeTableRewardModel(o);
  try {
    model->load(spur::fuzz::scratchDir());
  } catch (const spur::Error&) {
    return 0;
  }
  model->refresh();
  for (const auto& [message, reward] : model->rewards()) SPUR_FUZZ_EXPECT(std::isfinite(reward));
  (void)model->scalars();
  (void)model->summary();
  return 0;
}
