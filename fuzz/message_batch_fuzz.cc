// The reward learner's decoding of the learner's message batches (runRewardLearner:
// readMessageBatch, then IntrinsicRewardModel::observe) over arbitrary frames, into a
// retrieval model (the table model the role runs by default).
#include "core/reward_options.h"
#include "fuzz/fuzz_util.h"
#include "reward_model/reward_messages.h"
#include "reward_model/reward_model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  auto msg = spur::fuzz::asMessage(data, size);
  spur::MessageCounts batch;
  if (!spur::readMessageBatch(msg, &batch).isOk()) return 0;
  spur::RewardOptions o;
  o.type = spur::RewardType::kRetrieval;
  auto model = spur::makeTableRewardModel(o);
  const auto asks = model->observe(batch, true);
  SPUR_FUZZ_EXPECT(asks.size() <= batch.size());
  model->refresh();
  return 0;
}
