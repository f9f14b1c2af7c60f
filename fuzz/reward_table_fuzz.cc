// The learner's reward-table decoding as runLearner does it (ReceivedMessage::parse, then
// IntrinsicRewardTable::apply, nothing around them) over arbitrary frames, then the per-step
// lookup over the table's own texts: every intrinsic reward the learner hands to the loss
// must be finite, and ids past the texts give 0.
#include <kj/exception.h>

#include "fuzz/fuzz_util.h"
#include "learner/intrinsic_reward.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  auto msg = spur::fuzz::asMessage(data, size);
  if (!msg.parse().isOk()) return 0;
  spur::IntrinsicRewardTable table;
  const auto snapshot = msg.root<spur::schema::RewardTable>();
  if (!table.apply(snapshot).isOk()) return 0;
  std::vector<std::string> texts;
  try {
    for (auto t : snapshot.getTexts()) texts.emplace_back(t.cStr(), t.size());
  } catch (const kj::Exception&) {
    SPUR_FUZZ_EXPECT(!"apply accepted a table whose texts cannot be read");
  }
  if (texts.empty()) return 0;
  SPUR_FUZZ_EXPECT(table.size() <= texts.size());
  const auto ids = torch::arange(static_cast<int64_t>(texts.size()) + 1, torch::kInt32).reshape({1, -1});  // one id past the end too
  const auto r = table.lookup(texts, ids);
  SPUR_FUZZ_EXPECT(torch::isfinite(r).all().item<bool>());
  SPUR_FUZZ_EXPECT(r[0][static_cast<int64_t>(texts.size())].item<float>() == 0.0f);
  return 0;
}
