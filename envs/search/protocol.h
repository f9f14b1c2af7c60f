// The web-search text protocol and its rewards, as ReSeek's code (TencentBAC/ReSeek at commit
// 57bfcb9, "code B" in ../shared/docs/refs/search/REPORT.md) and Search-R1 define them. Pure
// functions over strings; the env (search_env.h) strings them together.
//
// A turn is the agent's text. truncateTurn() cuts it after its first closing action tag
// (priority </search> > </answer> > </judge>, as ReSeek's _postprocess_responses); parseTurn()
// finds every complete <search|answer|judge>...</same> element (non-greedy, across newlines,
// non-overlapping, left to right) and takes the first of the highest-priority kind (answer >
// search > judge), its content stripped. A turn with no complete element is invalid.
//
// Scoring works on the episode's response transcript: every (truncated) agent turn followed by
// what the env appended to it (information blocks, the invalid-action text), as ReSeek's
// NaiveRewardManager decodes the response.
//
// Strings are UTF-8; lowercasing and whitespace/punctuation classes are ASCII (Python's str
// methods are Unicode-aware: text with non-ASCII letters or dashes may normalise differently).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spur::search {

enum class TurnKind { kInvalid, kSearch, kAnswer, kJudge };
std::string_view turnKindName(TurnKind kind);

struct ParsedTurn {
  TurnKind kind = TurnKind::kInvalid;
  std::string content;  // the chosen element's content, stripped
  int elements = 0;     // complete action elements found (>1: several actions in one turn)
};

// ReSeek's truncation: the text up to and including the first "</search>" if there is one, else
// the first "</answer>", else the first "</judge>", else the text unchanged.
std::string_view truncateTurn(std::string_view response);
ParsedTurn parseTurn(std::string_view turn);

// Python's str.strip() for ASCII whitespace (space, \t \n \v \f \r, \x1c-\x1f).
std::string_view stripText(std::string_view s);

// What the env appends after each kind of turn.
//   search:  "\n\n<information>" + strip(passages) + "</information>\n\n"
//   invalid: kInvalidActionText
//   answer, judge: nothing
inline constexpr std::string_view kInvalidActionText =
    "\nMy previous action is invalid. If I want to search, I should put the query between <search> and </search>. If I "
    "want to give the final answer, I should put the answer between <answer> and </answer>. Let me try again.\n";

// The passages of one search as Search-R1's _passages2string renders them: for each document
// in rank order "Doc {i}(Title: {first line of contents}) {remaining lines}\n", i from 1.
std::string formatPassages(const std::vector<std::string_view>& contents);
std::string informationBlock(std::string_view passages);

// SQuAD/Search-R1 normalize_answer: lowercase, delete ASCII punctuation, articles a/an/the
// (as whole words) replaced by a space, whitespace collapsed.
std::string normalizeAnswer(std::string_view s);
bool exactMatch(std::string_view prediction, const std::vector<std::string>& golds);
// A normalised gold answer is a substring of the normalised prediction (Search-R1's subem).
bool substringMatch(std::string_view prediction, const std::vector<std::string>& golds);
// Token F1 of the normalised prediction against each gold answer (multiset overlap), the best.
double tokenF1(std::string_view prediction, const std::vector<std::string>& golds);

// The last <answer>...</answer> content of the transcript, stripped; nullopt when none.
std::optional<std::string> lastAnswer(std::string_view transcript);

// Each <information> block (content stripped, in order) paired with the first
// <judge>Yes|No</judge> (case-insensitive) anywhere after the block's end: one judge can pair
// with several blocks; a block with no later judge is not paired.
struct InformationJudgement {
  std::string information;
  bool said_yes = false;
  int block = 0;           // index of the information block in the transcript
  std::size_t offset = 0;  // where its "<information>" starts in the transcript
};
std::vector<InformationJudgement> informationJudgements(std::string_view transcript);
// The verdict of a turn as informationJudgements() reads it: the first <judge>Yes</judge> or
// <judge>No</judge> (case-insensitive, nothing else between the tags) anywhere in `turn`, inside
// any kind of turn ("<judge>No</judge><search>q</search>" is a search that also judges);
// nullopt when there is none ("<judge> no </judge>" pairs with nothing).
std::optional<bool> turnJudgement(std::string_view turn);

// ReSeek's instructive reward (search_r1_like_qa_em_s4.compute_score), parameterised by how a
// block's usefulness is decided. Only when an answer was given (non-empty): for each pair with
// non-empty information, Yes with a correct answer: correct + boost; else correct judgement:
// correct (+ boost when the answer is correct); wrong Yes: wrong_yes; wrong No: wrong_no.
struct JudgeRewardValues {
  double correct = 0.3;
  double answer_boost = 0.1;
  double wrong_yes = -0.6;
  double wrong_no = -0.3;
};
// The outcome part of ReSeek's score: 0 without an answer; 1 (0.25 when the transcript holds
// more than 10 "<answer>" or more than 10 "</answer>") for an exact match; 0 otherwise.
double reseekOutcomeScore(std::string_view transcript, const std::vector<std::string>& golds);
// ReSeek's usefulness test: some gold answer, lowercased and stripped, is a substring of the
// lowercased, stripped information.
bool goldInInformation(std::string_view information, const std::vector<std::string>& golds);

// Search-R1's is_valid_sequence over a response (the text after the assistant marker):
// balanced think/search/information/answer tags following
// <think></think> (<search></search> <information></information> <think></think>)* <answer></answer>
// with only whitespace between elements.
bool searchR1ValidFormat(std::string_view response);
// Search-R1 v0.3's compute_score_em_format_retrievel with structure 0.2, final 0.1 and the
// given retrieval score (0 in its training script): answer correct 1 / 0.8 (invalid format);
// wrong 0.2 (+retrieval when a normalised gold answer is in a normalised information block) /
// 0.1; no answer 0.2 (+retrieval) / 0.
double searchR1FormatScore(std::string_view response, const std::vector<std::string>& golds, double retrieval_score = 0.0);

}  // namespace spur::search
