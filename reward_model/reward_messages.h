// Decoding the messages the reward learner receives, from untrusted bytes: the learner's
// MessageBatch (SUB) and the llm_server's AnnotateReply (DEALER). Torch-free.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/transport.h"
#include "reward_model/reward_model.h"

namespace spur {

// Parses `message` as a MessageBatch into `out` (text, steps that showed it; a batch
// without counts counts each text once). DataLoss naming what is wrong for a message that
// is not Cap'n Proto, of another schema version, with counts not parallel to the texts or
// with a malformed pointer; `out` is then unspecified. Never throws.
Status readMessageBatch(ReceivedMessage& message, MessageCounts* out);

struct AnnotateReplyData {
  uint64_t request_id = 0;
  std::string error;  // non-empty: the llm_server refused the request
  std::vector<std::pair<uint32_t, int8_t>> labels;  // (item index, wire label) as sent: unchecked
};

// Parses `message` as an AnnotateReply into `out`. DataLoss for a message that is not Cap'n
// Proto or has a malformed pointer; `out` is then unspecified. Never throws.
Status readAnnotateReply(ReceivedMessage& message, AnnotateReplyData* out);

}  // namespace spur
