// Prompt templates: YAML files under configs/prompts/<id>.yaml that say how to ask the LLM
// for a label and how to read its answer. Torch-free.
//
//   kind: classification | ranking
//   system: text of the system message
//   user: text of the user message; {message} (classification) or {first} and {second}
//         (ranking) are replaced by the items' texts
//   positive_marker / negative_marker: classification only, the verdict tokens the answer
//         must contain (defaults HELPFUL_YES / HELPFUL_NO)
#pragma once

#include <string>

#include "llm_server/label.h"

namespace spur {

struct PromptTemplate {
  std::string id;
  TemplateKind kind = TemplateKind::kClassification;
  std::string system, user;
  std::string positive_marker = "HELPFUL_YES", negative_marker = "HELPFUL_NO";

  // The user message for `item`. Error(kInvalidArgument) when the item does not fit the
  // kind (a pair for classification, a single message for ranking).
  std::string render(const AnnotationItem& item) const;
};

// Loads <dir>/<id>.yaml. Error(kInvalidArgument) naming the file and key for a missing
// file, an unknown kind, a missing placeholder or an unknown key.
PromptTemplate loadPromptTemplate(const std::string& dir, const std::string& id);

}  // namespace spur
