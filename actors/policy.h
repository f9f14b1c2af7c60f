// Policy: how an actor chooses actions for its B envs. The actor is written against this
// interface only. Implementations: LocalPolicy (the network, CPU inference, no grad) and
// RandomPolicy (uniform; benchmarks). A remote inference service next to the learner
// (SEED-style) will be another. Includes LibTorch.
#pragma once

#include <torch/torch.h>

#include <memory>

#include "core/schema/spur.capnp.h"
#include "core/status.h"
#include "models/policy_net.h"

namespace spur {

class Policy {
 public:
  virtual ~Policy() = default;
  // Size of the per-env recurrent state (0 for none).
  virtual int64_t stateSize() const = 0;
  // One step: obs [1, B, ...] (may be empty when readsObservations() is false); state
  // [B, S] is replaced by the state after the step; writes the logits of the B envs to
  // logits[0 .. B*A) (row-major) and the sampled actions to actions[0 .. B).
  virtual void act(const ObsMap& obs, torch::Tensor* state, float* logits, int64_t* actions) = 0;
  // Whether act() reads obs; the actor skips preparing them otherwise.
  virtual bool readsObservations() const { return true; }
  // Applies a parameter message. InvalidArgument/DataLoss (policy unchanged) when it does
  // not fit.
  virtual Status update(schema::Params::Reader params) = 0;
  // Whether the actor must wait for parameters before acting.
  virtual bool needsParams() const = 0;
};

std::unique_ptr<Policy> makeLocalPolicy(const ModelOptions& model, const std::vector<TensorSpec>& obs_spec, int64_t num_actions);
// Uniform actions and zero logits, without LibTorch calls per step. state_size: the
// recurrent state the learner's network expects (sent as zeros).
std::unique_ptr<Policy> makeRandomPolicy(int64_t num_actions, int64_t state_size, uint64_t seed);

}  // namespace spur
