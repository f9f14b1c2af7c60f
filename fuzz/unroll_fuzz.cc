// The learner's unroll decoding (UnrollReceiver's loop: ReceivedMessage::parse, then
// readUnroll) over arbitrary frames, against two layouts: with and without action masks.
#include <capnp/message.h>

#include "fuzz/fuzz_util.h"
#include "learner/unroll_receiver.h"

namespace {

spur::UnrollLayout layout(bool masked) {
  spur::UnrollLayout l;
  l.steps = 3;
  l.envs = 2;
  l.num_actions = 4;
  l.state_size = 5;
  l.masked_actions = masked;
  l.observations = {{"features", spur::DType::kFloat32, {6}}, {"glyphs", spur::DType::kInt16, {2, 2}}};
  return l;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  static const spur::UnrollLayout layouts[] = {layout(false), layout(true)};
  for (const auto& l : layouts) {
    auto msg = spur::fuzz::asMessage(data, size);
    spur::UnrollData out;
    spur::Status s = msg.parse();
    if (s.isOk()) s = spur::readUnroll(msg.root<spur::schema::Unroll>(), l, &out);
    if (!s.isOk()) continue;
    // What the learner relies on after a successful read (batch_assembler indexes with these).
    SPUR_FUZZ_EXPECT(out.actions.defined() && out.actions.min().item<int64_t>() >= 0 && out.actions.max().item<int64_t>() < l.num_actions);
    SPUR_FUZZ_EXPECT(out.message_ids.max().item<int32_t>() < static_cast<int32_t>(out.messages.size()));
    SPUR_FUZZ_EXPECT(out.action_mask.defined() == l.masked_actions);
    SPUR_FUZZ_EXPECT(out.obs.size() == l.observations.size());
  }
  return 0;
}
