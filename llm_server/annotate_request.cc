#include "llm_server/annotate_request.h"

#include <kj/exception.h>

#include "core/schema/spur.capnp.h"

namespace spur {

Status readAnnotateRequest(ReceivedMessage& m, const PromptLookup& prompts, AnnotateRequestData* out) {
  out->request_id = 0;
  out->prompt = nullptr;
  out->items.clear();
  if (Status s = m.parse(); !s.isOk()) return s;
  try {
    auto req = m.root<schema::AnnotateRequest>();
    out->request_id = req.getRequestId();
    if (req.getSchemaVersion() != schema::CURRENT_VERSION)
      return Status::invalidArgument("schema version " + std::to_string(req.getSchemaVersion()) + " (this server speaks " +
                                     std::to_string(schema::CURRENT_VERSION) + ")");
    try {
      out->prompt = prompts(req.getTemplateId());
    } catch (const Error& e) {
      return Status::invalidArgument(e.what());
    }
    const bool ranking = out->prompt->kind == TemplateKind::kRanking;
    for (auto it : req.getItems()) {
      if (it.getIsPair() != ranking)
        return Status::invalidArgument("template '" + out->prompt->id + "' takes " + (ranking ? "pairs" : "single messages") +
                                       ", the request has other items");
      out->items.push_back({it.getFirst(), ranking ? std::optional<std::string>(it.getSecond()) : std::nullopt});
    }
  } catch (const kj::Exception& e) {
    // A pointer that leads outside the message: nothing of it can be trusted, its id included.
    out->request_id = 0;
    return Status::dataLoss(std::string("malformed request: ") + e.getDescription().cStr());
  }
  return Status::ok();
}

}  // namespace spur
