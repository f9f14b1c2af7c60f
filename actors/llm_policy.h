// LlmTextPolicy: an LLM that plays a text env with candidate actions (ALFWorld's admissible
// commands, the search env's candidate turns) through an OpenAI-compatible server: each step
// it shows the task, the recent history (commands and what followed) and the admissible
// commands, in a ReAct-style prompt (configs/prompts/policy_*.yaml: optional thought, then
// "Action: <command>"), and maps the answer to a candidate. An answer that matches no
// candidate is an invalid action (Env::stepInvalid: ALFWorld's "Nothing happens."), counted.
// For baselines and evaluation (`spur eval --policy llm`). Torch-free; one instance per env.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "envs/env.h"
#include "llm_server/openai_client.h"

namespace spur {

// configs/prompts/<id>.yaml with kind: policy.
//   system: the system message
//   user: the user message; {task}, {history} and {commands} are replaced
//   action_prefix: what precedes the command in the answer (default "Action:")
struct PolicyPrompt {
  std::string id, system, user, action_prefix = "Action:";
};
// Error(kInvalidArgument) naming the file and key for a missing file, a kind other than
// policy, a missing placeholder or an unknown key.
PolicyPrompt loadPolicyPrompt(const std::string& dir, const std::string& id);

// The candidate the answer names: the text after the last action prefix (else the whole
// answer), first line, trimmed of spaces, quotes, backticks and a final period, compared
// case-insensitively with each candidate. -1 when none matches.
int64_t matchCandidate(const std::string& answer, const std::vector<std::string>& candidates, const std::string& action_prefix);

class LlmTextPolicy {
 public:
  // history: how many past steps the prompt shows.
  LlmTextPolicy(std::shared_ptr<const OpenAiChatClient> client, PolicyPrompt prompt, int64_t history = 12);

  // Starts an episode: remembers the env's first observation.
  void reset(const Env& env);
  // The action for the env's current step: a candidate index, or -1 (no candidate matched;
  // play Env::stepInvalid()). Call observe() with the env after stepping it.
  // Error(kUnavailable) when the server fails.
  int64_t act(const Env& env);
  void observe(const Env& env);

  const std::string& lastAnswer() const { return last_answer_; }
  int64_t invalidAnswers() const { return invalid_; }

 private:
  std::string textObservation(const Env& env, const std::string& name) const;

  std::shared_ptr<const OpenAiChatClient> client_;
  PolicyPrompt prompt_;
  std::size_t history_;
  std::deque<std::pair<std::string, std::string>> steps_;  // (command, what followed)
  std::string first_observation_, pending_command_, last_answer_;
  int64_t invalid_ = 0;
};

}  // namespace spur
