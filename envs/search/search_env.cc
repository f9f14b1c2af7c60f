#include "envs/search/search_env.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <filesystem>
#include <unordered_set>

#include "core/status.h"
#include "envs/env_registry.h"
#include "envs/search/world_generator.h"
#include "envs/text/text_observations.h"
#include "envs/text/text_tokens.h"

namespace spur {
namespace {

namespace fs = std::filesystem;
using search::TurnKind;

// question 512 bytes, feedback 4096 (three passages), question tokens 24, feedback tokens 256,
// 16 per candidate turn.
constexpr TextObservationSizes kSizes{512, 4096, 24, 256, 16};
// Candidate budget per kind, so that answers always get slots.
constexpr std::size_t kQuestionEntityQueries = 3, kDocumentEntityQueries = 8;

bool isUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isWordByte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '\'' || c == '-' || u >= 0x80;
}

// Words that start sentences or structure passages and are not names on their own.
const std::unordered_set<std::string>& leadingNonNames() {
  static const std::unordered_set<std::string> words = {
      "The", "A", "An", "In", "On", "At", "He", "She", "It", "His", "Her", "Its", "They", "Their", "This", "That", "These",
      "Those", "After", "Before", "During", "When", "While", "As", "By", "For", "From", "With", "Doc", "Title", "Who",
      "What", "Which", "Where", "How", "Was", "Is", "Did", "Does", "Of", "And", "But", "Also", "There", "Both", "Each",
      "Some", "Many", "Born", "Founded", "Since", "Until", "According", "Its", "Although", "Despite", "Later", "Earlier"};
  return words;
}

const std::unordered_set<std::string>& questionStopWords() {
  static const std::unordered_set<std::string> words = {
      "a", "an", "the", "in", "on", "at", "of", "to", "for", "by", "with", "from", "and", "or", "was", "were", "is", "are",
      "be", "been", "did", "does", "do", "which", "what", "who", "whom", "whose", "where", "when", "how", "that", "this",
      "it", "its", "as", "first", "earlier", "later"};
  return words;
}

// Names and numbers in running text: maximal runs of capitalised words (joined by single
// spaces, "of"/"de"/"van"/"von"/"del" allowed inside a run) without leading sentence words,
// and 3-4 digit numbers (years). In order of appearance, each once.
std::vector<std::string> textEntities(std::string_view text) {
  struct Word {
    std::string_view text;
    std::size_t start, end;
  };
  std::vector<Word> words;
  for (std::size_t i = 0; i < text.size();) {
    while (i < text.size() && !isWordByte(text[i])) ++i;
    const std::size_t a = i;
    while (i < text.size() && isWordByte(text[i])) ++i;
    std::size_t b = i;
    while (b > a && (text[b - 1] == '\'' || text[b - 1] == '-')) --b;
    if (b > a) words.push_back({text.substr(a, b - a), a, b});
  }
  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  auto add = [&](std::string s) {
    if (!s.empty() && seen.insert(s).second) out.push_back(std::move(s));
  };
  for (std::size_t i = 0; i < words.size();) {
    const std::string_view w = words[i].text;
    if ((w.size() == 3 || w.size() == 4) && std::all_of(w.begin(), w.end(), isDigit)) {
      add(std::string(w));
      ++i;
      continue;
    }
    if (!isUpper(w[0])) {
      ++i;
      continue;
    }
    std::size_t j = i + 1;
    while (j < words.size() && words[j].start == words[j - 1].end + 1 && text[words[j - 1].end] == ' ') {
      const std::string_view n = words[j].text;
      if (isUpper(n[0])) {
        ++j;
      } else if ((n == "of" || n == "de" || n == "van" || n == "von" || n == "del") && j + 1 < words.size() && isUpper(words[j + 1].text[0]) &&
                 words[j + 1].start == words[j].end + 1) {
        j += 2;
      } else {
        break;
      }
    }
    std::size_t first = i;
    while (first < j && leadingNonNames().count(std::string(words[first].text))) ++first;
    if (first < j) add(std::string(text.substr(words[first].start, words[j - 1].end - words[first].start)));
    i = j;
  }
  return out;
}

// Up to five words before the first occurrence of `span` in the passage text (after the title
// line) and two after it.
std::string spanContext(std::string_view contents, const std::string& span) {
  const std::size_t nl = contents.find('\n');
  std::string_view text = nl == std::string_view::npos ? contents : contents.substr(nl + 1);
  std::size_t at = text.find(span);
  if (at == std::string_view::npos) return {};
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  std::size_t b = at;
  for (int w = 0; w < 5 && b > 0; ++w) {
    while (b > 0 && !word(text[b - 1])) --b;
    while (b > 0 && word(text[b - 1])) --b;
  }
  std::size_t e = at + span.size();
  for (int w = 0; w < 2 && e < text.size(); ++w) {
    while (e < text.size() && !word(text[e])) ++e;
    while (e < text.size() && word(text[e])) ++e;
  }
  std::string out(text.substr(b, at - b));
  out.append(" ").append(text.substr(at + span.size(), e - at - span.size()));
  return out;
}

std::vector<std::string> contentWords(std::string_view question, const std::vector<std::string>& entities) {
  std::unordered_set<std::string> in_entities;
  for (const auto& e : entities)
    for (const auto& t : search::bm25Tokens(e)) in_entities.insert(t);
  std::vector<std::string> out;
  for (const auto& t : search::bm25Tokens(question))
    if (!questionStopWords().count(t) && !in_entities.count(t) && std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  return out;
}

std::string tagged(std::string_view tag, std::string_view content) {
  std::string s = "<";
  s.append(tag).append(">").append(content).append("</").append(tag).append(">");
  return s;
}

std::string oneOf(const std::string& key, const std::string& value, std::initializer_list<const char*> valid) {
  std::string list;
  for (const char* v : valid) {
    if (value == v) return value;
    list.append(list.empty() ? "" : ", ").append(v);
  }
  throw Error(StatusCode::kInvalidArgument, "env.search." + key + ": expected one of " + list + ", got '" + value + "'");
}

}  // namespace

std::string SearchOptions::corpusPath() const { return !corpus.empty() ? corpus : (fs::path(data_dir) / "corpus.jsonl").string(); }
std::string SearchOptions::questionsPath() const { return !questions.empty() ? questions : (fs::path(data_dir) / (split + ".jsonl")).string(); }

EnvSpec searchEnvSpec(const SearchOptions& o) {
  oneOf("judge_no_policy", o.judge_no_policy, {"keep", "drop"});
  oneOf("reward", o.reward, {"reseek", "em", "search_r1_format"});
  oneOf("judge_reward", o.judge_reward, {"substring", "oracle", "none"});
  oneOf("reward_information", o.reward_information, {"env_only", "any"});
  oneOf("question_order", o.question_order, {"random", "cycle"});
  oneOf("annotate", o.annotate, {"information", "judgement"});
  if (o.data_dir.empty() && (o.corpus.empty() || o.questions.empty()))
    throw Error(StatusCode::kInvalidArgument, "env.search: set data_dir (e.g. the output of `spur search-generate`) or both corpus and questions");
  if (o.retriever != "bm25" && o.retriever.rfind("http://", 0) != 0 && o.retriever.rfind("https://", 0) != 0)
    throw Error(StatusCode::kInvalidArgument, "env.search.retriever: expected bm25 or an http(s)://host:port/retrieve URL, got '" + o.retriever + "'");
  if (o.topk < 1 || o.topk > 50) throw Error(StatusCode::kInvalidArgument, "env.search.topk must be in 1..50");
  if (o.max_turns < 1) throw Error(StatusCode::kInvalidArgument, "env.search.max_turns must be >= 1");
  if (o.max_candidates < 4) throw Error(StatusCode::kInvalidArgument, "env.search.max_candidates must be >= 4");
  if (o.max_turn_bytes < 64) throw Error(StatusCode::kInvalidArgument, "env.search.max_turn_bytes must be >= 64");
  if (o.retriever_timeout_s <= 0 || o.retriever_retries < 0)
    throw Error(StatusCode::kInvalidArgument, "env.search: retriever_timeout_s must be > 0 and retriever_retries >= 0");
  EnvSpec spec = textCandidateEnvSpec(kSizes, o.max_candidates);
  spec.text_turns = true;
  return spec;
}

void prepareSearchData(const SearchOptions& o) {
  if (o.generate_entities > 0) {
    if (o.data_dir.empty()) throw Error(StatusCode::kInvalidArgument, "env.search.generate_entities needs env.search.data_dir (where to write the world)");
    if (!fs::exists(fs::path(o.data_dir) / "corpus.jsonl")) {
      spdlog::info("search: generating a world of {} entities into {} (seed {})", o.generate_entities, o.data_dir, o.generate_seed);
      search::WorldOptions w;
      w.entities = o.generate_entities;
      w.seed = o.generate_seed;
      search::writeSearchWorld(search::generateSearchWorld(w), w, o.data_dir);
    }
  }
  // The BM25 index, once, before any actor starts: actors then only load the file (they would
  // otherwise all build it at once and wait on one another's lock).
  if (o.retriever == "bm25") {
    search::loadIndexedCorpus(o.corpusPath(), o.index);
    return;
  }
  // A retriever URL with nothing behind it would cost every turn its timeouts and retries and
  // score every episode 0: ask it once (with the env's own timeout and retries) before any
  // actor starts.
  search::HttpRetrieverOptions http;
  http.url = o.retriever;
  http.timeout_s = o.retriever_timeout_s;
  http.retries = static_cast<int>(o.retriever_retries);
  try {
    search::makeRetriever(o.retriever, o.corpusPath(), o.index, http)->retrieve({"spur retriever check"}, 1);
  } catch (const Error& e) {
    throw Error(StatusCode::kUnavailable, "env.search.retriever: " + o.retriever + " does not answer (" + e.what() +
                                              "); start it (e.g. spur retrieve-server --corpus CORPUS) or set env.search.retriever: bm25");
  }
}

SearchEnv::SearchEnv(const SearchOptions& options) : o_(options), spec_(searchEnvSpec(options)), obs_(kSizes, options.max_candidates) {
  questions_ = search::loadQuestions(o_.questionsPath());
  if (questions_.empty()) throw Error(StatusCode::kInvalidArgument, o_.questionsPath() + ": no questions");
  search::HttpRetrieverOptions http;
  http.timeout_s = o_.retriever_timeout_s;
  http.retries = static_cast<int>(o_.retriever_retries);
  retriever_ = search::makeRetriever(o_.retriever, o_.corpusPath(), o_.index, http);
}

void SearchEnv::reset(std::optional<uint64_t> seed) {
  if (seed) rng_.seed(*seed);
  else rng_.seed(std::random_device{}());
  if (o_.question_order == "cycle") current_ = static_cast<std::size_t>((seed ? *seed : cycle_++) % questions_.size());
  else current_ = static_cast<std::size_t>(rng_() % questions_.size());
  const auto& q = question();
  transcript_.clear();
  context_.clear();
  blocks_.clear();
  seen_entities_.clear();
  answer_spans_.clear();
  span_features_.clear();
  retrieved_ids_.clear();
  agent_answer_.reset();
  question_entities_ = textEntities(q.question);
  question_words_ = contentWords(q.question, question_entities_);
  turns_ = searches_ = invalid_ = multi_ = oversized_ = empty_queries_ = retriever_errors_ = 0;
  done_ = false;
  metrics_.clear();
  message_.clear();
  obs_.setTask(q.question);
  publish("");
}

StepResult SearchEnv::step(int64_t action) {
  SPUR_CHECK(action >= 0 && action < static_cast<int64_t>(candidates_.size()), "search: action " + std::to_string(action) + " is no candidate");
  const std::string turn = candidates_[static_cast<std::size_t>(action)];
  return play(turn);
}

StepResult SearchEnv::stepInvalid() { return play(""); }

StepResult SearchEnv::stepText(std::string_view turn) { return play(turn); }

StepResult SearchEnv::play(std::string_view raw) {
  if (done_) throw Error(StatusCode::kFailedPrecondition, "search: a turn after the episode ended; call reset() first");
  message_.clear();
  if (raw.size() > static_cast<std::size_t>(o_.max_turn_bytes)) {
    raw = raw.substr(0, static_cast<std::size_t>(o_.max_turn_bytes));
    ++oversized_;
  }
  const std::string_view turn = search::truncateTurn(raw);
  const search::ParsedTurn parsed = search::parseTurn(turn);
  if (parsed.elements > 1) ++multi_;
  ++turns_;
  const bool final_turn = turns_ > o_.max_turns;  // ReSeek's extra rollout with search disabled
  transcript_.append(turn);
  context_.append(turn);
  StepResult result;
  TurnKind kind = parsed.kind;
  if (kind == TurnKind::kJudge && !o_.judge) kind = TurnKind::kInvalid;  // Search-R1's grammar has no judge
  // The judgement is read from every turn, whatever its kind, exactly as the reward pairs it
  // (ReSeek's usual "<judge>No</judge><search>q</search>" judges, then searches), and before this
  // turn's own information is appended, which it cannot concern.
  if (o_.judge) {
    if (const std::optional<bool> verdict = search::turnJudgement(turn)) judge(*verdict);
  }
  std::string appended;
  switch (kind) {
    case TurnKind::kAnswer:
      agent_answer_ = parsed.content;
      finishEpisode(result);
      publish("");
      return result;
    case TurnKind::kSearch:
      if (!final_turn) {
        runSearch(parsed.content);
        appended = search::informationBlock(blocks_.back().text);
        blocks_.back().offset = transcript_.size();
        transcript_.append(appended);
        context_.append(appended);
      }
      break;
    case TurnKind::kJudge:
      break;  // judged above (a judge without an exact Yes/No is a valid turn that judges nothing)
    case TurnKind::kInvalid:
      ++invalid_;
      if (!final_turn) {
        appended = std::string(search::kInvalidActionText);
        transcript_.append(appended);
        context_.append(appended);
      }
      break;
  }
  if (final_turn) {
    finishEpisode(result);
    publish("");
    return result;
  }
  publish(appended);
  return result;
}

void SearchEnv::judge(bool useful_said) {
  // Every block not judged yet: the reward pairs each information block with the first judgement
  // after it, so one judgement covers all the searches since the previous one.
  std::string judged_text;
  bool any = false;
  for (Block& b : blocks_) {
    if (b.verdict) continue;
    b.verdict = useful_said;
    any = true;
    const std::string_view text = search::stripText(b.text);
    if (!text.empty()) judged_text.append(judged_text.empty() ? "" : "\n").append(text);
    if (!useful_said && o_.judge_no_policy == "drop") {
      const std::string block = search::informationBlock(b.text);
      const std::size_t at = context_.rfind(block);
      if (at != std::string::npos) context_.erase(at, block.size());
      b.text_in_context = false;
    }
  }
  if (any && o_.annotate == "judgement")
    message_ = "Question: " + question().question + "\nInformation: " + judged_text + "\nJudgement: " + (useful_said ? "useful" : "not useful");
}

void SearchEnv::runSearch(const std::string& query) {
  ++searches_;
  Block block;
  std::vector<search::RetrievedDoc> docs;
  if (search::stripText(query).empty()) {
    ++empty_queries_;  // nothing to search for: an empty result, as a BM25 server gives
  } else {
    try {
      auto results = retriever_->retrieve({query}, static_cast<int>(o_.topk));
      docs = std::move(results.at(0));
    } catch (const Error& e) {
      ++retriever_errors_;
      static std::atomic<int64_t> logged{0};
      if (logged.fetch_add(1) < 10) spdlog::warn("search: retrieval failed, the turn gets an empty information block: {}", e.what());
    }
  }
  std::vector<std::string_view> contents;
  for (const auto& d : docs) {
    contents.push_back(d.contents);
    block.doc_ids.push_back(d.id);
    if (!d.id.empty()) retrieved_ids_.insert(d.id);
  }
  block.text = search::formatPassages(contents);
  // Answer candidates: the newest documents' names first, each once, with what the policy's
  // network sees beside it: the document's rank and the words around the name's first
  // occurrence in the passage ("born in 1843 in Dunmere").
  std::vector<std::string> spans;
  for (std::size_t r = 0; r < docs.size(); ++r) {
    for (auto& e : textEntities(docs[r].contents)) {
      if (std::find(spans.begin(), spans.end(), e) != spans.end()) continue;
      span_features_[e] = std::string("r").append(std::to_string(r + 1)).append(" ").append(spanContext(docs[r].contents, e));
      spans.push_back(std::move(e));
    }
  }
  std::vector<std::string> merged = spans;
  for (auto& s : answer_spans_)
    if (std::find(spans.begin(), spans.end(), s) == spans.end()) merged.push_back(std::move(s));
  answer_spans_ = std::move(merged);
  for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
    auto found = std::find(seen_entities_.begin(), seen_entities_.end(), *it);
    if (found != seen_entities_.end()) seen_entities_.erase(found);
    seen_entities_.insert(seen_entities_.begin(), *it);
  }
  blocks_.push_back(std::move(block));
}

bool SearchEnv::useful(const Block& block) const {
  const auto& q = question();
  if (o_.judge_reward == "oracle" && !q.evidence.empty()) {
    for (const auto& id : block.doc_ids)
      if (std::find(q.evidence.begin(), q.evidence.end(), id) != q.evidence.end()) return true;
    return false;
  }
  return search::goldInInformation(search::stripText(block.text), q.golden_answers);
}

void SearchEnv::finishEpisode(StepResult& result) {
  done_ = true;
  result.done = true;
  const auto& q = question();
  const std::vector<std::string>& golds = q.golden_answers;
  // ReSeek scores the last <answer> of the whole response, env text included: after an invalid
  // turn that is "and" from the invalid-action text's own example tags when the agent never
  // answered (kept: it is what the code does). The metrics use the agent's own answer.
  const std::optional<std::string> last = search::lastAnswer(transcript_);
  const bool em = agent_answer_ && search::exactMatch(*agent_answer_, golds);
  const bool scored_correct = last && search::exactMatch(*last, golds);
  // The (said yes, useful, the env's block) pairs the judge reward scores. any: ReSeek's regex
  // pairs every information block of the transcript, the policy's own included, with the first
  // later judge; the env's blocks carry their documents (for the oracle), others are judged by
  // text. env_only: the env's blocks with the verdicts play() gave them (the same regex, read
  // from the agent's turns only), so text the policy writes earns nothing.
  struct Pair {
    bool said_yes, useful, env_block;
  };
  std::vector<Pair> pairs;
  if (o_.reward_information == "any") {
    auto blockAt = [&](std::size_t offset) -> const Block* {
      for (const auto& b : blocks_)
        if (b.offset + 2 == offset) return &b;  // informationBlock() starts with "\n\n"
      return nullptr;
    };
    for (const auto& p : search::informationJudgements(transcript_)) {
      if (p.information.empty()) continue;
      const Block* b = blockAt(p.offset);
      pairs.push_back({p.said_yes, b ? useful(*b) : (o_.judge_reward != "oracle" && search::goldInInformation(p.information, golds)), b != nullptr});
    }
  } else {
    for (const Block& b : blocks_)
      if (b.verdict && !search::stripText(b.text).empty()) pairs.push_back({*b.verdict, useful(b), true});
  }
  double judge_reward = 0;
  int judged = 0, judged_right = 0;
  const search::JudgeRewardValues v{o_.judge_correct, o_.judge_answer_boost, o_.judge_wrong_yes, o_.judge_wrong_no};
  for (const Pair& p : pairs) {
    const bool right = p.said_yes == p.useful;
    if (p.env_block) {
      ++judged;
      judged_right += right ? 1 : 0;
    }
    if (p.said_yes && scored_correct) judge_reward += v.correct + v.answer_boost;
    else if (right) judge_reward += v.correct + (scored_correct ? v.answer_boost : 0.0);
    else judge_reward += p.said_yes ? v.wrong_yes : v.wrong_no;
  }
  const bool answered = agent_answer_.has_value();
  if (o_.reward == "em") {
    result.reward = scored_correct ? 1.0 : 0.0;
  } else if (o_.reward == "search_r1_format") {
    result.reward = search::searchR1FormatScore(transcript_, golds);
  } else {
    result.reward = search::reseekOutcomeScore(transcript_, golds);
    if (o_.judge_reward != "none" && last && !last->empty()) result.reward += judge_reward;
  }
  // A wrong answer failed the task; no answer at all means the turns ran out.
  result.end_status = em ? EndStatus::kTaskSuccessful : answered ? EndStatus::kTaskFailed : EndStatus::kTimeLimit;
  metrics_.clear();
  metrics_.push_back({"em", em ? 1.0 : 0.0});
  metrics_.push_back({"f1", agent_answer_ ? search::tokenF1(*agent_answer_, golds) : 0.0});
  metrics_.push_back({"answered", answered ? 1.0 : 0.0});
  if (!q.type.empty()) metrics_.push_back({"em/" + q.type, em ? 1.0 : 0.0});
  if (judged > 0) metrics_.push_back({"judge_accuracy", static_cast<double>(judged_right) / judged});
  metrics_.push_back({"judgements", static_cast<double>(judged)});
  metrics_.push_back({"searches", static_cast<double>(searches_)});
  if (!q.evidence.empty()) {
    int found = 0;
    for (const auto& id : q.evidence) found += retrieved_ids_.count(id) ? 1 : 0;
    metrics_.push_back({"evidence_recall", static_cast<double>(found) / static_cast<double>(q.evidence.size())});
  }
  metrics_.push_back({"turns", static_cast<double>(turns_)});
  metrics_.push_back({"invalid_turns", static_cast<double>(invalid_)});
  metrics_.push_back({"multi_action_turns", static_cast<double>(multi_)});
  metrics_.push_back({"oversized_turns", static_cast<double>(oversized_)});
  metrics_.push_back({"empty_queries", static_cast<double>(empty_queries_)});
  metrics_.push_back({"retriever_errors", static_cast<double>(retriever_errors_)});
}

void SearchEnv::publish(std::string_view appended) {
  // What the agent reads now: the turn's appended text, or else the newest information still in
  // its context (so that a judge or a failed turn does not hide the evidence).
  std::string feedback = "Turn " + std::to_string(std::min(turns_ + 1, o_.max_turns + 1)) + " of " + std::to_string(o_.max_turns + 1) + ".";
  std::string_view body = search::stripText(appended);
  std::string latest;
  if (body.empty()) {
    for (auto it = blocks_.rbegin(); it != blocks_.rend(); ++it) {
      if (!it->text_in_context) continue;
      latest = search::informationBlock(it->text);
      break;
    }
    body = search::stripText(latest);
  }
  if (!body.empty()) feedback.append(" ").append(body);
  obs_.setFeedback(feedback);
  if (o_.annotate == "information" && !blocks_.empty() && !appended.empty() && appended.find("<information>") != std::string_view::npos) {
    message_ = "Question: " + question().question + "\nInformation: " + std::string(search::stripText(blocks_.back().text));
  }
  buildCandidates();
}

void SearchEnv::buildCandidates() {
  candidates_.clear();
  if (!done_) {
    auto addSearch = [&](const std::string& q) {
      const std::string c = tagged("search", q);
      if (std::find(candidates_.begin(), candidates_.end(), c) == candidates_.end() && transcript_.find(c) == std::string::npos)
        candidates_.push_back(c);
    };
    std::string q = question().question;
    while (!q.empty() && (q.back() == '?' || q.back() == ' ')) q.pop_back();
    addSearch(q);
    for (std::size_t i = 0; i < question_entities_.size() && i < kQuestionEntityQueries; ++i) addSearch(question_entities_[i]);
    std::string words;
    for (const auto& w : question_words_) words.append(" ").append(w);
    std::size_t doc_queries = 0;
    for (const auto& e : seen_entities_) {
      if (doc_queries == kDocumentEntityQueries) break;
      if (std::find(question_entities_.begin(), question_entities_.end(), e) != question_entities_.end()) continue;
      if (std::all_of(e.begin(), e.end(), isDigit)) continue;  // a year is an answer, not something to look up
      addSearch(e + words);
      ++doc_queries;
    }
    if (o_.judge && !blocks_.empty() && !blocks_.back().verdict) {
      candidates_.push_back(tagged("judge", "Yes"));
      candidates_.push_back(tagged("judge", "No"));
    }
    for (const auto& s : answer_spans_) candidates_.push_back(tagged("answer", s));
    // (question names as answers carry no passage context)
    for (const auto& e : question_entities_) {
      const std::string c = tagged("answer", e);
      if (std::find(candidates_.begin(), candidates_.end(), c) == candidates_.end()) candidates_.push_back(c);
    }
    if (candidates_.size() > static_cast<std::size_t>(o_.max_candidates)) candidates_.resize(static_cast<std::size_t>(o_.max_candidates));
  }
  obs_.setCandidates(candidates_.size(), [&](std::size_t i) { return candidateFeatures(candidates_[i]); });
}

std::string SearchEnv::candidateFeatures(const std::string& turn) const {
  constexpr std::string_view open = "<answer>", close = "</answer>";
  if (turn.size() < open.size() + close.size() || turn.compare(0, open.size(), open) != 0) return turn;
  const auto it = span_features_.find(turn.substr(open.size(), turn.size() - open.size() - close.size()));
  return it == span_features_.end() ? turn : turn + " " + it->second;
}

TensorView SearchEnv::observation(std::size_t index) const { return obs_.view(spec_, index); }

SPUR_REGISTER_ENV({"search", "Web search with ReSeek's JUDGE action over a corpus (BM25 in process or a Search-R1 /retrieve server)",
                   [](const EnvOptions& o) { return searchEnvSpec(envSection<SearchOptions>(o, "search")); },
                   [](const EnvOptions& o, int) -> std::unique_ptr<Env> { return std::make_unique<SearchEnv>(envSection<SearchOptions>(o, "search")); },
                   [](const EnvOptions& o) { prepareSearchData(envSection<SearchOptions>(o, "search")); }});

}  // namespace spur
