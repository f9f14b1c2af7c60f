// The rules backend: deterministic regex -> label rules from the YAML, for tests and for
// users without an LLM. Also the factory of all backends.
#include <regex>

#include "llm_server/label_backend.h"

namespace spur {

std::unique_ptr<LabelBackend> makeOpenAiBackend(const OpenAiBackendOptions& options);  // openai_backend.cc

namespace {

class RulesBackend : public LabelBackend {
 public:
  explicit RulesBackend(const LlmOptions& o) {
    for (std::size_t i = 0; i < o.rules.size(); ++i) {
      const auto& r = o.rules[i];
      const std::string where = "llm.rules[" + std::to_string(i) + "]";
      const auto label = labelFromName(r.label);
      if (!label || (*label != Label::kHelpful && *label != Label::kNotHelpful))
        throw Error(StatusCode::kInvalidArgument, where + ".label: '" + r.label + "' (valid: helpful, not_helpful)");
      try {
        rules_.push_back({std::regex(r.pattern, std::regex::ECMAScript | std::regex::optimize), *label, r.pattern});
      } catch (const std::regex_error& e) {
        throw Error(StatusCode::kInvalidArgument, where + ".pattern: '" + r.pattern + "' is not a valid regex (" + e.what() + ")");
      }
    }
    const auto d = labelFromName(o.rules_default);
    if (!d || (*d != Label::kHelpful && *d != Label::kNotHelpful))
      throw Error(StatusCode::kInvalidArgument, "llm.rules_default: '" + o.rules_default + "' (valid: helpful, not_helpful)");
    default_ = *d;
  }

  std::vector<Annotation> annotate(const PromptTemplate& prompt, const std::vector<AnnotationItem>& items) override {
    std::vector<Annotation> out;
    out.reserve(items.size());
    for (const auto& item : items) {
      prompt.render(item);  // the same kind checks as an LLM backend
      if (!item.second) {
        out.push_back(classify(item.first));
        continue;
      }
      const Annotation a = classify(item.first), b = classify(*item.second);
      const int sa = a.label == Label::kHelpful, sb = b.label == Label::kHelpful;
      out.push_back({sa > sb ? Label::kFirst : sb > sa ? Label::kSecond : Label::kTie, a.raw + " | " + b.raw, {}});
    }
    return out;
  }
  std::string model() const override { return "rules"; }

 private:
  struct Rule {
    std::regex re;
    Label label;
    std::string pattern;
  };
  Annotation classify(const std::string& message) const {
    for (const auto& r : rules_)
      if (std::regex_search(message, r.re)) return {r.label, "rule " + r.pattern, {}};
    return {default_, "default", {}};
  }
  std::vector<Rule> rules_;
  Label default_ = Label::kNotHelpful;
};

}  // namespace

std::unique_ptr<LabelBackend> makeLabelBackend(const LlmOptions& options) {
  if (options.backend == "rules") return std::make_unique<RulesBackend>(options);
  if (options.backend == "openai") return makeOpenAiBackend(options.openai);
  throw Error(StatusCode::kInvalidArgument, "llm.backend: '" + options.backend + "' (valid: openai, rules)");
}

}  // namespace spur
