// Decoding the llm_server's requests (schema::AnnotateRequest) as its ROUTER receives them,
// from untrusted bytes. Torch-free.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/transport.h"
#include "llm_server/label.h"
#include "llm_server/prompt_template.h"

namespace spur {

struct AnnotateRequestData {
  uint64_t request_id = 0;  // 0 while unknown (a message that does not parse)
  std::shared_ptr<const PromptTemplate> prompt;
  std::vector<AnnotationItem> items;  // in request order; `second` set exactly for ranking
};

// Returns the template of an id; throws Error (any code) for an id it does not know.
using PromptLookup = std::function<std::shared_ptr<const PromptTemplate>(const std::string& id)>;

// Parses `message` and decodes the request into `out`. A non-OK Status is the reason to
// refuse it (its message is the reply's error text) with out->request_id, which is 0 when
// the message is not a readable request: not Cap'n Proto, a malformed pointer anywhere
// (DataLoss); another schema version, a template `prompts` refuses, or items whose kind
// (pair or single) differs from the template's (InvalidArgument). Never throws other than
// what `prompts` throws besides Error.
Status readAnnotateRequest(ReceivedMessage& message, const PromptLookup& prompts, AnnotateRequestData* out);

}  // namespace spur
