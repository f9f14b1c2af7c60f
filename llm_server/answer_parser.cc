#include "llm_server/answer_parser.h"

#include <algorithm>
#include <cctype>
#include <regex>
#include <string>

namespace spur {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Position of the last occurrence, or npos.
std::size_t lastOf(const std::string& text, const std::string& needle) { return needle.empty() ? std::string::npos : text.rfind(needle); }

Label verdictIn(const std::string& text, const std::string& pos, const std::string& neg) {
  const std::size_t p = lastOf(text, pos), n = lastOf(text, neg);
  if (p == std::string::npos && n == std::string::npos) return Label::kNone;
  if (n == std::string::npos) return Label::kHelpful;
  if (p == std::string::npos) return Label::kNotHelpful;
  return p > n ? Label::kHelpful : Label::kNotHelpful;
}

}  // namespace

Label parseClassification(std::string_view answer, std::string_view positive_marker, std::string_view negative_marker) {
  const std::string text = lower(answer), pos = lower(positive_marker), neg = lower(negative_marker);
  const std::size_t open = text.rfind("<label>");
  if (open != std::string::npos) {
    const std::size_t close = text.find("</label>", open);
    const std::string inside = text.substr(open + 7, close == std::string::npos ? std::string::npos : close - open - 7);
    const bool has_pos = inside.find(pos) != std::string::npos, has_neg = inside.find(neg) != std::string::npos;
    if (has_pos != has_neg) return has_pos ? Label::kHelpful : Label::kNotHelpful;
  }
  return verdictIn(text, pos, neg);
}

Label parseRanking(std::string_view answer) {
  // "best", underscores or spaces, "description", then punctuation/colons/quotes, at most
  // one extra word, then the verdict.
  static const std::regex re(R"(best[_ ]*description\W*[:= ]*(?:[A-Za-z]+\s+)?(1|2|none)\b)", std::regex::icase);
  const std::string text(answer);
  std::smatch m;
  if (!std::regex_search(text, m, re)) return Label::kNone;
  const std::string v = lower(m[1].str());
  if (v == "1") return Label::kFirst;
  if (v == "2") return Label::kSecond;
  return Label::kTie;
}

Label parseAnswer(const PromptTemplate& t, std::string_view answer) {
  return t.kind == TemplateKind::kClassification ? parseClassification(answer, t.positive_marker, t.negative_marker) : parseRanking(answer);
}

}  // namespace spur
