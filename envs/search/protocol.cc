#include "envs/search/protocol.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>

namespace spur::search {
namespace {

constexpr std::array<std::string_view, 3> kActionTags = {"search", "answer", "judge"};

bool isSpace(char c) {
  const auto u = static_cast<unsigned char>(c);
  return c == ' ' || (u >= 0x09 && u <= 0x0d) || (u >= 0x1c && u <= 0x1f);
}

// Python's string.punctuation.
bool isPunctuation(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x80 && std::ispunct(u);
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

bool startsWithNoCase(std::string_view s, std::size_t at, std::string_view prefix) {
  if (s.size() - at < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (lower(s[at + i]) != lower(prefix[i])) return false;
  return true;
}

struct Element {
  std::string_view tag;
  std::string_view content;
};

// re.finditer(r'<(search|answer|judge)>(.*?)</\1>', s, re.DOTALL): at each position try each
// tag in the alternation's order; a match resumes scanning after its closing tag.
std::vector<Element> actionElements(std::string_view s) {
  std::vector<Element> out;
  std::size_t pos = 0;
  while (pos < s.size()) {
    const std::size_t lt = s.find('<', pos);
    if (lt == std::string_view::npos) break;
    bool matched = false;
    for (std::string_view tag : kActionTags) {
      if (s.size() - lt < tag.size() + 2 || s.compare(lt + 1, tag.size(), tag) != 0 || s[lt + 1 + tag.size()] != '>')
        continue;
      const std::size_t body = lt + tag.size() + 2;
      std::string close = "</";
      close.append(tag).append(">");
      const std::size_t end = s.find(close, body);
      if (end == std::string_view::npos) continue;
      out.push_back({tag, s.substr(body, end - body)});
      pos = end + close.size();
      matched = true;
      break;
    }
    if (!matched) pos = lt + 1;
  }
  return out;
}

// re.finditer(r"<information>(.*?)</information>", s, re.DOTALL), as (content, end offset).
struct Block {
  std::string_view content;
  std::size_t start = 0, end = 0;
};
std::vector<Block> informationBlocks(std::string_view s) {
  constexpr std::string_view open = "<information>", close = "</information>";
  std::vector<Block> out;
  std::size_t pos = 0;
  while (true) {
    const std::size_t a = s.find(open, pos);
    if (a == std::string_view::npos) break;
    const std::size_t b = s.find(close, a + open.size());
    if (b == std::string_view::npos) break;
    out.push_back({s.substr(a + open.size(), b - a - open.size()), a, b + close.size()});
    pos = b + close.size();
  }
  return out;
}

// re.search(r"<judge>(Yes|No)</judge>", s[from:], re.IGNORECASE): the first, as yes/no.
std::optional<bool> firstJudgement(std::string_view s, std::size_t from) {
  for (std::size_t at = from; at < s.size(); ++at) {
    if (s[at] != '<' || !startsWithNoCase(s, at, "<judge>")) continue;
    const std::size_t v = at + 7;
    if (startsWithNoCase(s, v, "yes</judge>")) return true;
    if (startsWithNoCase(s, v, "no</judge>")) return false;
  }
  return std::nullopt;
}

std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && isSpace(s[i])) ++i;
    const std::size_t a = i;
    while (i < s.size() && !isSpace(s[i])) ++i;
    if (i > a) out.emplace_back(s.substr(a, i - a));
  }
  return out;
}

std::size_t countOf(std::string_view s, std::string_view needle) {
  std::size_t n = 0;
  for (std::size_t at = s.find(needle); at != std::string_view::npos; at = s.find(needle, at + needle.size())) ++n;
  return n;
}

}  // namespace

std::string_view turnKindName(TurnKind kind) {
  switch (kind) {
    case TurnKind::kSearch: return "search";
    case TurnKind::kAnswer: return "answer";
    case TurnKind::kJudge: return "judge";
    case TurnKind::kInvalid: break;
  }
  return "invalid";
}

std::string_view stripText(std::string_view s) {
  std::size_t a = 0, b = s.size();
  while (a < b && isSpace(s[a])) ++a;
  while (b > a && isSpace(s[b - 1])) --b;
  return s.substr(a, b - a);
}

std::string_view truncateTurn(std::string_view response) {
  for (std::string_view close : {std::string_view("</search>"), std::string_view("</answer>"), std::string_view("</judge>")}) {
    const std::size_t at = response.find(close);
    if (at != std::string_view::npos) return response.substr(0, at + close.size());
  }
  return response;
}

ParsedTurn parseTurn(std::string_view turn) {
  const std::vector<Element> elements = actionElements(turn);
  ParsedTurn out;
  out.elements = static_cast<int>(elements.size());
  // Priority answer > search > judge; the first element of the chosen kind.
  for (std::string_view kind : {std::string_view("answer"), std::string_view("search"), std::string_view("judge")}) {
    const auto it = std::find_if(elements.begin(), elements.end(), [&](const Element& e) { return e.tag == kind; });
    if (it == elements.end()) continue;
    out.kind = kind == "answer" ? TurnKind::kAnswer : kind == "search" ? TurnKind::kSearch : TurnKind::kJudge;
    out.content = std::string(stripText(it->content));
    break;
  }
  return out;
}

std::string formatPassages(const std::vector<std::string_view>& contents) {
  std::string out;
  for (std::size_t i = 0; i < contents.size(); ++i) {
    const std::string_view c = contents[i];
    const std::size_t nl = c.find('\n');
    out.append("Doc ").append(std::to_string(i + 1)).append("(Title: ");
    out.append(c.substr(0, nl)).append(") ");
    if (nl != std::string_view::npos) out.append(c.substr(nl + 1));
    out.push_back('\n');
  }
  return out;
}

std::string informationBlock(std::string_view passages) {
  std::string out = "\n\n<information>";
  out.append(stripText(passages)).append("</information>\n\n");
  return out;
}

std::string normalizeAnswer(std::string_view s) {
  // lower, then punctuation removed: what is left is words and whitespace, so the article
  // regex \b(a|an|the)\b is a whole whitespace-separated word (bytes >= 0x80 count as word
  // characters, as most non-ASCII letters do for Python's \w).
  std::string text;
  text.reserve(s.size());
  for (char c : s)
    if (!isPunctuation(c)) text.push_back(lower(c));
  std::string out;
  for (const std::string& w : words(text)) {
    if (w == "a" || w == "an" || w == "the") continue;
    if (!out.empty()) out.push_back(' ');
    out += w;
  }
  return out;
}

bool exactMatch(std::string_view prediction, const std::vector<std::string>& golds) {
  const std::string p = normalizeAnswer(prediction);
  return std::any_of(golds.begin(), golds.end(), [&](const std::string& g) { return normalizeAnswer(g) == p; });
}

bool substringMatch(std::string_view prediction, const std::vector<std::string>& golds) {
  const std::string p = normalizeAnswer(prediction);
  return std::any_of(golds.begin(), golds.end(), [&](const std::string& g) { return p.find(normalizeAnswer(g)) != std::string::npos; });
}

double tokenF1(std::string_view prediction, const std::vector<std::string>& golds) {
  const std::vector<std::string> p = words(normalizeAnswer(prediction));
  double best = 0;
  for (const std::string& g : golds) {
    const std::vector<std::string> t = words(normalizeAnswer(g));
    if (p.empty() || t.empty()) continue;
    std::map<std::string, int> counts;
    for (const auto& w : t) ++counts[w];
    int common = 0;
    for (const auto& w : p) {
      auto it = counts.find(w);
      if (it != counts.end() && it->second > 0) {
        --it->second;
        ++common;
      }
    }
    if (common == 0) continue;
    const double precision = static_cast<double>(common) / static_cast<double>(p.size());
    const double recall = static_cast<double>(common) / static_cast<double>(t.size());
    best = std::max(best, 2 * precision * recall / (precision + recall));
  }
  return best;
}

std::optional<std::string> lastAnswer(std::string_view transcript) {
  constexpr std::string_view open = "<answer>", close = "</answer>";
  std::optional<std::string> last;
  std::size_t pos = 0;
  while (true) {
    const std::size_t a = transcript.find(open, pos);
    if (a == std::string_view::npos) break;
    const std::size_t b = transcript.find(close, a + open.size());
    if (b == std::string_view::npos) break;
    last = std::string(stripText(transcript.substr(a + open.size(), b - a - open.size())));
    pos = b + close.size();
  }
  return last;
}

std::vector<InformationJudgement> informationJudgements(std::string_view transcript) {
  std::vector<InformationJudgement> out;
  const std::vector<Block> blocks = informationBlocks(transcript);
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const std::optional<bool> j = firstJudgement(transcript, blocks[i].end);
    if (!j) continue;
    out.push_back({std::string(stripText(blocks[i].content)), *j, static_cast<int>(i), blocks[i].start});
  }
  return out;
}

std::optional<bool> turnJudgement(std::string_view turn) { return firstJudgement(turn, 0); }

double reseekOutcomeScore(std::string_view transcript, const std::vector<std::string>& golds) {
  const std::optional<std::string> answer = lastAnswer(transcript);
  if (!answer || !exactMatch(*answer, golds)) return 0.0;
  if (countOf(transcript, "<answer>") > 10 || countOf(transcript, "</answer>") > 10) return 0.25;
  return 1.0;
}

bool goldInInformation(std::string_view information, const std::vector<std::string>& golds) {
  if (information.empty()) return false;
  const std::string info = lowerAscii(stripText(information));
  for (const std::string& g : golds) {
    if (g.empty()) continue;
    if (info.find(lowerAscii(stripText(g))) != std::string::npos) return true;
  }
  return false;
}

bool searchR1ValidFormat(std::string_view response) {
  constexpr std::array<std::string_view, 4> tags = {"think", "search", "information", "answer"};
  for (std::string_view tag : tags) {
    std::string open = "<", close = "</";
    open.append(tag).append(">");
    close.append(tag).append(">");
    if (countOf(response, open) != countOf(response, close)) return false;
  }
  enum class State { kStart, kInThink, kAfterThink, kInSearch, kAfterSearch, kInInformation, kInformation, kInAnswer, kEnd };
  State state = State::kStart;
  auto content = [&](std::string_view part) {
    if (stripText(part).empty()) return true;
    return state == State::kInThink || state == State::kInSearch || state == State::kInInformation || state == State::kInAnswer;
  };
  std::size_t pos = 0;
  while (pos <= response.size()) {
    // The next recognised tag (re.split on </?(think|search|information|answer)>).
    std::size_t at = std::string_view::npos;
    std::string_view tag_text;
    for (std::size_t i = response.find('<', pos); i != std::string_view::npos; i = response.find('<', i + 1)) {
      const bool closing = i + 1 < response.size() && response[i + 1] == '/';
      const std::size_t name = i + (closing ? 2 : 1);
      for (std::string_view tag : tags) {
        if (response.size() - name >= tag.size() + 1 && response.compare(name, tag.size(), tag) == 0 && response[name + tag.size()] == '>') {
          at = i;
          tag_text = response.substr(i, name + tag.size() + 1 - i);
          break;
        }
      }
      if (at != std::string_view::npos) break;
    }
    if (!content(response.substr(pos, (at == std::string_view::npos ? response.size() : at) - pos))) return false;
    if (at == std::string_view::npos) break;
    if (tag_text == "<think>" && (state == State::kStart || state == State::kInformation)) state = State::kInThink;
    else if (tag_text == "</think>" && state == State::kInThink) state = State::kAfterThink;
    else if (tag_text == "<search>" && state == State::kAfterThink) state = State::kInSearch;
    else if (tag_text == "</search>" && state == State::kInSearch) state = State::kAfterSearch;
    else if (tag_text == "<information>" && state == State::kAfterSearch) state = State::kInInformation;
    else if (tag_text == "</information>" && state == State::kInInformation) state = State::kInformation;
    else if (tag_text == "<answer>" && state == State::kAfterThink) state = State::kInAnswer;
    else if (tag_text == "</answer>" && state == State::kInAnswer) state = State::kEnd;
    else return false;
    pos = at + tag_text.size();
  }
  return state == State::kEnd;
}

double searchR1FormatScore(std::string_view response, const std::vector<std::string>& golds, double retrieval_score) {
  constexpr double structure = 0.2, final_format = 0.1;
  const bool valid = searchR1ValidFormat(response);
  bool retrieval_correct = false;
  if (valid) {
    for (const Block& b : informationBlocks(response)) {
      const std::string info = normalizeAnswer(stripText(b.content));
      for (const std::string& g : golds)
        if (info.find(normalizeAnswer(g)) != std::string::npos) retrieval_correct = true;
    }
  }
  const std::optional<std::string> answer = lastAnswer(response);
  const double partial = retrieval_correct ? structure + retrieval_score : structure;
  if (!answer) return valid ? partial : 0.0;
  if (exactMatch(*answer, golds)) return valid ? 1.0 : 1.0 - structure;
  return valid ? partial : final_format;
}

}  // namespace spur::search
