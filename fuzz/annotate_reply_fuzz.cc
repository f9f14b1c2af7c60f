// The reward learner's reply decoding (runRewardLearner: readAnnotateReply, then
// LabelRequestQueue::onRefused / onLabels) over arbitrary frames, against a queue with one
// request of three items in flight (request id 1: the queue's first).
#include "fuzz/fuzz_util.h"
#include "reward_model/label_requests.h"
#include "reward_model/reward_messages.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  auto msg = spur::fuzz::asMessage(data, size);
  spur::AnnotateReplyData reply;
  if (!spur::readAnnotateReply(msg, &reply).isOk()) return 0;

  using Clock = spur::LabelRequestQueue::Clock;
  const auto now = Clock::now();
  spur::LabelRequestQueue queue({100, 3, 4, 60, 300});
  queue.enqueue({"a message", std::nullopt});
  queue.enqueue({"another", std::nullopt});
  queue.enqueue({"first", std::string("second")});
  auto request = queue.nextRequest();
  SPUR_FUZZ_EXPECT(request && request->id == 1);
  const std::vector<spur::LabelRequestItem> asked = request->items;
  queue.sent(std::move(*request), now);

  if (!reply.error.empty()) {
    queue.onRefused(reply.request_id, now);
  } else {
    const auto got = queue.onLabels(reply.request_id, reply.labels, now);
    for (const auto& [item, label] : got.labels) {
      // Only items of the request, only real labels.
      bool ours = false;
      for (const auto& a : asked) ours = ours || a.key() == item.key();
      SPUR_FUZZ_EXPECT(ours);
      SPUR_FUZZ_EXPECT(label != spur::WireLabel::kNone && static_cast<int>(label) >= 0 && static_cast<int>(label) <= 4);
    }
  }
  // The queue stays usable whatever the reply said.
  queue.expire(now + std::chrono::hours(1));
  queue.releaseCooled(now + std::chrono::hours(1));
  while (auto r = queue.nextRequest()) queue.sent(std::move(*r), now);
  return 0;
}
