// Policy: how an actor chooses actions for its B envs. The actor is written against this
// interface only. Implementations: LocalPolicy (the network, CPU inference, no grad) and
// RandomPolicy (uniform over the valid actions; benchmarks). A remote inference service
// next to the learner (SEED-style) or an LLM choosing among candidate texts would be others:
// the interface passes raw buffers and keeps each env's recurrent state inside the policy.
// Includes LibTorch (ObsMap).
#pragma once

#include <torch/torch.h>

#include <memory>

#include "core/schema/spur.capnp.h"
#include "core/status.h"
#include "models/policy_net.h"

namespace spur {

// One step of the B envs. A = the env's action-space width.
struct PolicyStep {
  const ObsMap* obs = nullptr;           // [1, B, ...] each; null when !readsObservations()
  const uint8_t* action_mask = nullptr;  // [B, A], 1 = valid; null: every action is valid
  float* logits = nullptr;               // out [B, A]: the policy's logits (finite everywhere)
  float* logp = nullptr;                 // out [B]: log-probability of the chosen action
  int64_t* actions = nullptr;            // out [B]: a valid action per env
};

class Policy {
 public:
  virtual ~Policy() = default;
  // Size of the per-env recurrent state (0 for none).
  virtual int64_t stateSize() const = 0;
  // Writes the B envs' recurrent state before the next act() to out[0 .. B*S).
  virtual void copyState(float* out) const = 0;
  // Env b starts a new episode: its recurrent state becomes zero.
  virtual void resetState(int64_t b) = 0;
  // Chooses one action per env and advances the recurrent state. REQUIRES: every row of
  // the mask has a valid action.
  virtual void act(const PolicyStep& step) = 0;
  // Whether act() reads obs; the actor skips preparing them otherwise.
  virtual bool readsObservations() const { return true; }
  // Applies a parameter message. InvalidArgument/DataLoss (policy unchanged) when it does
  // not fit.
  virtual Status update(schema::Params::Reader params) = 0;
  // Whether the actor must wait for parameters before acting.
  virtual bool needsParams() const = 0;
};

// The network of `model` for `num_envs` envs with these observations and actions.
std::unique_ptr<Policy> makeLocalPolicy(const ModelOptions& model, const std::vector<TensorSpec>& obs_spec, int64_t num_actions, int64_t num_envs);
// Uniform over the valid actions and zero logits, without LibTorch calls per step.
// state_size: the recurrent state the learner's network expects (sent as zeros).
std::unique_ptr<Policy> makeRandomPolicy(int64_t num_actions, int64_t state_size, int64_t num_envs, uint64_t seed);

}  // namespace spur
