#include "reward_model/reward_messages.h"

#include <kj/exception.h>

#include "core/schema/spur.capnp.h"

namespace spur {

Status readMessageBatch(ReceivedMessage& m, MessageCounts* out) {
  out->clear();
  if (Status s = m.parse(); !s.isOk()) return s;
  try {
    auto batch = m.root<schema::MessageBatch>();
    if (batch.getSchemaVersion() != schema::CURRENT_VERSION) return Status::dataLoss("schema version " + std::to_string(batch.getSchemaVersion()));
    const auto texts = batch.getTexts();
    const auto counts = batch.getCounts();
    if (counts.size() != 0 && counts.size() != texts.size())
      return Status::dataLoss(std::to_string(texts.size()) + " texts but " + std::to_string(counts.size()) + " counts");
    out->reserve(texts.size());
    for (unsigned i = 0; i < texts.size(); ++i) out->emplace_back(std::string(texts[i].cStr(), texts[i].size()), counts.size() ? counts[i] : 1u);
  } catch (const kj::Exception& e) {
    return Status::dataLoss(std::string("malformed message batch: ") + e.getDescription().cStr());
  }
  return Status::ok();
}

Status readAnnotateReply(ReceivedMessage& m, AnnotateReplyData* out) {
  out->request_id = 0;
  out->error.clear();
  out->labels.clear();
  if (Status s = m.parse(); !s.isOk()) return s;
  try {
    auto reply = m.root<schema::AnnotateReply>();
    out->request_id = reply.getRequestId();
    if (reply.hasError()) out->error.assign(reply.getError().cStr(), reply.getError().size());
    for (auto e : reply.getLabels()) out->labels.emplace_back(e.getIndex(), e.getLabel());
  } catch (const kj::Exception& e) {
    return Status::dataLoss(std::string("malformed reply: ") + e.getDescription().cStr());
  }
  return Status::ok();
}

}  // namespace spur
