// Env: the one interface every spur environment implements (NetHack, the toy chain, and
// the text environments: ALFWorld, web search). An env is a single-threaded object: one
// thread at a time may call it, but any number of envs may live in one process and on one
// thread.
//
// Protocol: reset() first, then step() until StepResult::done, then reset() again.
// Observations, the action mask, candidate texts and message() are views into the env's
// own buffers; they stay valid until the next reset() or step() call on the same env.
//
// What the generic layers (actor, learner, schema, metrics) know of an env is its EnvSpec,
// which is computed from the env's options alone (envs/env_registry.h: no env is built,
// no game library loaded), so that a learner host needs nothing of the env installed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/tensor.h"

namespace spur {

// A read-only view of one observation tensor.
struct TensorView {
  const TensorSpec* spec = nullptr;
  const void* data = nullptr;

  template <class T> const T* as() const { return static_cast<const T*>(data); }
};

// The actions of an env.
//   kDiscrete:   a fixed set; names[i] describes action i (e.g. "N", "EAT"); size = names.size().
//   kCandidates: each step offers a list of at most `max_candidates` actions (text games:
//                the admissible commands), given by Env::candidates(); action i picks
//                candidate i. names is empty.
// Either kind may restrict the current step's valid actions with Env::actionMask().
struct ActionSpace {
  enum class Kind { kDiscrete, kCandidates };
  Kind kind = Kind::kDiscrete;
  std::vector<std::string> names;
  int64_t max_candidates = 0;

  // The width of a policy's output: the fixed action count or the candidate limit.
  int64_t size() const { return kind == Kind::kDiscrete ? static_cast<int64_t>(names.size()) : max_candidates; }
};

// What an env produces, known without building it.
struct EnvSpec {
  // The observation tensors, in a fixed order.
  std::vector<TensorSpec> observations;
  // Names of the observations that are text: UTF-8, zero-padded to their [max_bytes]
  // uint8 shape (NetHack's message; a text game's task and feedback).
  std::vector<std::string> text_observations;
  ActionSpace actions;
  // Whether actionMask() can ever exclude an action (the learner then masks logits).
  bool masked_actions = false;
  // Whether the env takes the agent's raw text as a turn (Env::stepText: web search's tag
  // protocol); an LLM policy then sends its completion as is instead of matching a candidate.
  bool text_turns = false;
};

// How an episode ended. -1..2 are NLE's StepStatus (NetHack keeps NLE's ABORTED for its
// step limit, as NLE reports it); the text envs say more: TIME_LIMIT when the episode ran
// out of steps or turns without the task done, TASK_FAILED when the agent ended it without
// success (a wrong answer).
enum class EndStatus : int { kAborted = -1, kRunning = 0, kDeath = 1, kTaskSuccessful = 2, kTimeLimit = 3, kTaskFailed = 4 };
std::string_view endStatusName(EndStatus status);

struct StepResult {
  double reward = 0.0;
  bool done = false;       // the episode is over; call reset() next
  bool truncated = false;  // as the env's reference implementation reports it
  EndStatus end_status = EndStatus::kRunning;
};

// One named number describing a finished episode (NetHack: depth, gold, score; a text
// game: steps to success). The actor adds return, length and success for every env.
struct EpisodeMetric {
  std::string name;
  double value = 0;
};

class Env {
 public:
  virtual ~Env() = default;

  virtual const EnvSpec& spec() const = 0;
  const std::vector<TensorSpec>& observationSpec() const { return spec().observations; }
  const ActionSpace& actionSpace() const { return spec().actions; }

  // Starts a new episode. With a seed the episode is fully determined by the seed and
  // the actions that follow; without one the env draws fresh randomness.
  virtual void reset(std::optional<uint64_t> seed) = 0;

  // REQUIRES: reset() was called and the last step was not done; 0 <= action <
  // actionSpace().size() and the action is valid under actionMask().
  virtual StepResult step(int64_t action) = 0;

  // kCandidates envs: the agent answered with something that is none of the candidates (an
  // LLM policy's free text that matches no command). The env plays it as its reference does
  // (ALFWorld: "Nothing happens.", the step counts) and counts it in its episode metrics.
  // Default: Error(kFailedPrecondition), for envs where no such action exists.
  virtual StepResult stepInvalid();

  // Envs with spec().text_turns: the agent's raw text turn, parsed by the env (candidates are
  // such turns too). Default: Error(kFailedPrecondition).
  virtual StepResult stepText(std::string_view turn);
  // Envs with spec().text_turns: the agent's context so far (its turns and what the env
  // appended, less what the env removed from it), which an LLM policy continues. Default: empty.
  virtual std::string_view textContext() const { return {}; }

  // Observation tensor `index` (an index into observationSpec()).
  virtual TensorView observation(std::size_t index) const = 0;

  // Valid actions of the current step: actionSpace().size() bytes, 1 = valid; empty when
  // every action is valid (a plain discrete env).
  virtual std::span<const uint8_t> actionMask() const { return {}; }
  // kCandidates envs: the text of each candidate of the current step (an LLM policy reads
  // them; a neural one may encode them). Empty for kDiscrete envs.
  virtual std::span<const std::string> candidates() const { return {}; }

  // The text the LLM judges for the current step (NetHack: the top-line message; a text
  // game: the step's feedback), empty when there is none. After a step that ended the
  // episode it is that last step's text (read it before reset()). The actor counts how
  // often each text appears per episode; envs do not.
  virtual std::string_view message() const = 0;

  // After a step that returned done, before reset(): the env's own numbers about the
  // episode that just ended (may be empty).
  virtual std::vector<EpisodeMetric> episodeMetrics() const { return {}; }
};

}  // namespace spur
