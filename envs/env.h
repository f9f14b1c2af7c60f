// Env: the one interface every spur environment implements (NetHack, later ALFWorld and
// the search env). An env is a single-threaded object: one thread at a time may call it,
// but any number of envs may live in one process and on one thread.
//
// Protocol: reset() first, then step() until StepResult::done, then reset() again.
// Observations are views into the env's own buffers; they stay valid until the next
// reset() or step() call on the same env.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
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

// A discrete action space; names[i] describes action i (e.g. "N", "EAT").
struct ActionSpace {
  std::vector<std::string> names;
  int64_t size() const { return static_cast<int64_t>(names.size()); }
};

// How an episode ended. Values match NLE's StepStatus.
enum class EndStatus : int { kAborted = -1, kRunning = 0, kDeath = 1, kTaskSuccessful = 2 };
std::string_view endStatusName(EndStatus status);

struct StepResult {
  double reward = 0.0;
  bool done = false;       // the episode is over; call reset() next
  bool truncated = false;  // as the env's reference implementation reports it
  EndStatus end_status = EndStatus::kRunning;
};

class Env {
 public:
  virtual ~Env() = default;

  // The observation tensors this env produces, in a fixed order.
  virtual const std::vector<TensorSpec>& observationSpec() const = 0;
  virtual const ActionSpace& actionSpace() const = 0;

  // Starts a new episode. With a seed the episode is fully determined by the seed and
  // the actions that follow; without one the env draws fresh randomness.
  virtual void reset(std::optional<uint64_t> seed) = 0;

  // REQUIRES: reset() was called and the last step was not done; 0 <= action < size.
  virtual StepResult step(int64_t action) = 0;

  // Observation tensor `index` (an index into observationSpec()).
  virtual TensorView observation(std::size_t index) const = 0;

  // The text the LLM judges for the current step (NetHack: the top-line message), empty
  // when there is none.
  virtual std::string_view message() const = 0;
  // How many times message() has appeared in this episode, counting the current step.
  virtual int messageCount() const = 0;
};

}  // namespace spur
