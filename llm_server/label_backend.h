// LabelBackend: what turns items into labels -- an OpenAI-compatible LLM server, or
// deterministic rules. The llm_server and `spur annotate` are written against this
// interface only. Torch-free.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "llm_server/label.h"
#include "llm_server/llm_options.h"
#include "llm_server/prompt_template.h"

namespace spur {

struct Annotation {
  Label label = Label::kNone;  // kNone: the answer could not be read
  std::string raw;             // the backend's answer (the LLM's text, or the rule that matched)
  std::string error;           // not empty: this item's own request failed (the reason); retry it
};

class LabelBackend {
 public:
  virtual ~LabelBackend() = default;
  // Labels `items` with `prompt`: one Annotation per item, in order. A failed call (server
  // unreachable, timeout, HTTP error, a reply that is not the API's JSON) throws
  // Error(kUnavailable) with the reason; the caller retries. A backend that sends one request
  // per item returns the items that were answered even when others failed, with `error` set
  // on the failed ones (the caller keeps the answers and retries only those); it throws only
  // when every request failed. Safe to call from several threads at once.
  virtual std::vector<Annotation> annotate(const PromptTemplate& prompt, const std::vector<AnnotationItem>& items) = 0;
  // The model name labels are stored under ("rules" for the rules backend).
  virtual std::string model() const = 0;
};

// Error(kInvalidArgument) naming the key for an unknown backend, a bad rule regex or label.
std::unique_ptr<LabelBackend> makeLabelBackend(const LlmOptions& options);

}  // namespace spur
