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

// configs/prompts/<id>.yaml with kind: policy (pick a candidate) or turn_policy (write a raw
// turn for an env with text turns, e.g. web search's tag protocol).
//   system: the system message
//   user: the user message; policy: {task}, {history} and {commands} are replaced;
//         turn_policy: {task} and {context} (Env::textContext())
//   action_prefix: policy: what precedes the command in the answer (default "Action:")
//   stop: turn_policy: stop strings sent to the server (e.g. ["</search>", "</answer>"])
struct PolicyPrompt {
  std::string id, kind = "policy", system, user, action_prefix = "Action:";
  std::vector<std::string> stop;
};
// Error(kInvalidArgument) naming the file and key for a missing file, a kind other than
// policy, a missing placeholder or an unknown key.
PolicyPrompt loadPolicyPrompt(const std::string& dir, const std::string& id);

// The candidate the answer names: the text after the last action prefix (else the whole
// answer), first line, trimmed of spaces, quotes, backticks and a final period, compared
// case-insensitively with each candidate. -1 when none matches.
int64_t matchCandidate(const std::string& answer, const std::vector<std::string>& candidates, const std::string& action_prefix);

// A completion cut by a stop string "</tag>" lacks it (OpenAI servers drop the matched stop
// string): when the text opens "<tag>" after its last "</tag>" for one of the stop strings,
// that closing tag is appended.
std::string restoreStopTag(std::string completion, const std::vector<std::string>& stop);

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
  // turn_policy prompts, envs with text turns: the next raw turn (stop tag restored).
  std::string actText(const Env& env);
  void observe(const Env& env);
  const PolicyPrompt& prompt() const { return prompt_; }

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
