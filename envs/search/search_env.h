// SearchEnv: ReSeek's web-search task behind the Env interface. An episode is one question; the
// agent answers over several turns by searching a corpus (<search>q</search>), judging what it
// retrieved (<judge>Yes|No</judge>) and answering (<answer>a</answer>), in the text protocol of
// protocol.h. The env keeps the episode's response transcript (each truncated turn, then what
// the env appended) and scores it when the episode ends.
//
// Two ways to act, one code path:
//   - stepText(turn): the agent's raw text (an LLM policy, with stop strings </search>,
//     </answer>, </judge>);
//   - step(i): candidate i of candidates(), turns rendered in the same tag grammar: searches
//     (the question; each entity named in the question; each entity of the retrieved documents
//     with the question's content words), judge Yes/No (after a search not yet judged), and
//     answers (entities and 4-digit numbers of the retrieved documents, then the question's
//     entities). The first max_candidates are offered; the rest of the slots are masked.
//
// Turn budget (ReSeek/Search-R1): max_turns turns, then one final turn in which a search is not
// run; the episode ends at an answer or after that final turn.
// Reward at the end of the episode (reward):
//   reseek            ReSeek's training score: EM outcome (1, or 0.25 with more than ten
//                     answer tags) + the judge reward of every information/judge pair
//                     (judge_reward decides which blocks were useful), when an answer was given;
//   em                the exact match only (ReSeek's validation score);
//   search_r1_format  Search-R1 v0.3's format-aware score (no <think> from candidate actions,
//                     so meant for LLM policies).
// judge_reward (which information blocks count as useful):
//   substring  a gold answer is a case-insensitive substring (ReSeek's s4 reward; default);
//   oracle     a retrieved document is one of the question's gold evidence documents (generated
//              corpora; questions without evidence fall back to substring);
//   none       no judge reward.
// reward_information (which information blocks the judge reward scores):
//   env_only   the blocks the env appended, each with the verdict play() read for it (default;
//              with judge: false no verdicts are read, so no judge reward);
//   any        ReSeek's regex over the transcript: also <information> blocks the policy wrote.
// A judgement is search::turnJudgement() of any turn (the reward's exact <judge>Yes|No</judge>,
// so "<judge>No</judge><search>q</search>" judges, then searches); it covers every block not
// judged yet, as the reward pairs each block with the first judgement after it.
// judge_no_policy: keep (ReSeek's code: nothing leaves the context) or drop (paper v1: after a
// No the judged information leaves the agent's context: the feedback observation and an LLM
// policy's history; the scored transcript keeps it).
//
// Bad input never throws from step: a turn with no complete action tag is invalid (the
// invalid-action text is appended; counted), a turn over max_turn_bytes is cut to that size
// (counted), an empty query retrieves nothing (counted), a retriever failure after its retries
// gives an empty information block (counted and logged).
//
// Observations: "task" (the question) and "feedback" (the turn's appended text, with the turn
// count), uint8 text; "task_tokens" [24], "text_tokens" [256], "candidate_tokens"
// [max_candidates, 16] (envs/text/text_tokens.h: the candidate turn's words; for an answer also
// "r<rank of its document>" and the words around it in that passage).
// Episode metrics: em, f1, answered, em/<question type>, judge_accuracy (over judged blocks,
// against the usefulness test of judge_reward, or substring when none), judgements, searches,
// evidence_recall (share of gold evidence documents retrieved; generated data), turns,
// invalid_turns, multi_action_turns, oversized_turns, empty_queries, retriever_errors.
// message() (what the LLM annotator labels, annotate): information: after a search, "Question:
// ...\nInformation: ..." (ONI's intrinsic reward for useful retrievals); judgement: after a
// turn with a judgement, the question, the information of the blocks it judged (one per line)
// and "\nJudgement: useful|not useful", so that the annotator's
// label of the judgement is its reward (the annotator as the judge reward's source, through
// the intrinsic reward; set judge_reward: none then).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <unordered_map>
#include <string>
#include <vector>

#include "envs/env.h"
#include "envs/search/corpus.h"
#include "envs/search/protocol.h"
#include "envs/search/retriever.h"
#include "envs/text/text_observations.h"

namespace spur {

struct SearchOptions {
  // Generated or user data: corpus.jsonl and <split>.jsonl (questions) under data_dir.
  std::string data_dir;
  std::string corpus;     // default data_dir/corpus.jsonl
  std::string questions;  // default data_dir/<split>.jsonl
  std::string split = "train";
  // "bm25" (in process, over corpus) or the URL of a Search-R1 /retrieve server.
  std::string retriever = "bm25";
  std::string index;  // BM25 index file; default corpus + ".bm25"
  double retriever_timeout_s = 10;
  int64_t retriever_retries = 3;
  int64_t topk = 3;
  int64_t max_turns = 4;
  bool judge = true;  // offer and accept <judge>; false: Search-R1's grammar
  std::string judge_no_policy = "keep";
  std::string reward = "reseek";
  std::string judge_reward = "substring";
  std::string reward_information = "env_only";
  double judge_correct = 0.3;
  double judge_answer_boost = 0.1;
  double judge_wrong_yes = -0.6;
  double judge_wrong_no = -0.3;
  // random (a hash of the reset seed) or cycle (seed modulo the question count: evaluation).
  std::string question_order = "random";
  int64_t max_candidates = 32;
  int64_t max_turn_bytes = 16384;
  std::string annotate = "information";  // or judgement (see message())
  // When > 0 and data_dir holds no corpus: spur train / spur eval first generate a world there
  // (spur search-generate --entities N --seed generate_seed).
  int64_t generate_entities = 0;
  uint64_t generate_seed = 1;

  template <class B>
  void bind(B& b) {
    b.field("data_dir", data_dir);
    b.field("corpus", corpus);
    b.field("questions", questions);
    b.field("split", split);
    b.field("retriever", retriever);
    b.field("index", index);
    b.field("retriever_timeout_s", retriever_timeout_s);
    b.field("retriever_retries", retriever_retries);
    b.field("topk", topk);
    b.field("max_turns", max_turns);
    b.field("judge", judge);
    b.field("judge_no_policy", judge_no_policy);
    b.field("reward", reward);
    b.field("judge_reward", judge_reward);
    b.field("reward_information", reward_information);
    b.field("judge_correct", judge_correct);
    b.field("judge_answer_boost", judge_answer_boost);
    b.field("judge_wrong_yes", judge_wrong_yes);
    b.field("judge_wrong_no", judge_wrong_no);
    b.field("question_order", question_order);
    b.field("max_candidates", max_candidates);
    b.field("max_turn_bytes", max_turn_bytes);
    b.field("annotate", annotate);
    b.field("generate_entities", generate_entities);
    b.field("generate_seed", generate_seed);
  }

  std::string corpusPath() const;
  std::string questionsPath() const;
};

// The spec from the options alone. Throws Error naming the key for a bad option.
EnvSpec searchEnvSpec(const SearchOptions& options);
// The launcher's one-time step (EnvRegistration::prepare): generates the world of
// generate_entities into data_dir when it holds no corpus, then, for retriever bm25, builds and
// saves the corpus's BM25 index unless a valid one is there. Errors: the corpus's, the index's.
void prepareSearchData(const SearchOptions& options);

class SearchEnv : public Env {
 public:
  // Loads the questions and connects the retriever (the BM25 index is shared per process).
  explicit SearchEnv(const SearchOptions& options);
  const EnvSpec& spec() const override { return spec_; }
  void reset(std::optional<uint64_t> seed) override;
  StepResult step(int64_t action) override;
  // Text that is none of the candidates: played as the raw turn it is.
  StepResult stepInvalid() override;
  // The agent's raw turn (truncated and parsed as ReSeek does).
  StepResult stepText(std::string_view turn) override;
  TensorView observation(std::size_t index) const override;
  std::span<const uint8_t> actionMask() const override { return obs_.mask(); }
  std::span<const std::string> candidates() const override { return candidates_; }
  std::string_view message() const override { return message_; }
  std::vector<EpisodeMetric> episodeMetrics() const override { return metrics_; }
  std::string_view textContext() const override { return context_; }

  const search::SearchQuestion& question() const { return questions_[current_]; }
  // The episode's response transcript so far (what ReSeek's reward manager scores).
  const std::string& transcript() const { return transcript_; }
  // The agent's context: the transcript without the information that judge_no_policy: drop
  // removed (an LLM policy's history).
  const std::string& context() const { return context_; }
  int64_t turns() const { return turns_; }

 private:
  struct Block {  // an information block the env appended
    std::size_t offset = 0;  // in transcript_
    std::vector<std::string> doc_ids;
    std::string text;  // the formatted passages
    std::optional<bool> verdict;  // the judgement that covers it: true = Yes (useful)
    bool text_in_context = true;  // false once judge_no_policy: drop removed it
  };

  StepResult play(std::string_view turn);
  void runSearch(const std::string& query);
  // A Yes (true) or No judgement of every block not judged yet: bookkeeping, judge_no_policy,
  // annotate: judgement.
  void judge(bool useful_said);
  void finishEpisode(StepResult& result);
  bool useful(const Block& block) const;
  void publish(std::string_view appended);
  void buildCandidates();
  // The text whose words become a candidate's tokens: the turn, and for an answer its
  // document's rank and context words.
  std::string candidateFeatures(const std::string& turn) const;

  SearchOptions o_;
  EnvSpec spec_;
  TextObservations obs_;
  std::vector<search::SearchQuestion> questions_;
  std::unique_ptr<search::Retriever> retriever_;
  std::size_t current_ = 0;
  uint64_t cycle_ = 0;
  std::mt19937_64 rng_;

  std::string transcript_, context_;
  std::vector<Block> blocks_;
  std::vector<std::string> question_entities_, seen_entities_, question_words_;
  std::vector<std::string> answer_spans_;
  std::unordered_map<std::string, std::string> span_features_;  // answer span -> "rN context words"
  std::set<std::string> retrieved_ids_;
  std::optional<std::string> agent_answer_;  // the content of the agent's answer turn
  int64_t turns_ = 0;
  bool done_ = true;
  int64_t searches_ = 0, invalid_ = 0, multi_ = 0, oversized_ = 0, empty_queries_ = 0, retriever_errors_ = 0;

  std::vector<std::string> candidates_;
  std::string message_;
  std::vector<EpisodeMetric> metrics_;
};

}  // namespace spur
