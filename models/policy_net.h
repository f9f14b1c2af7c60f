// PolicyNet: the actor-critic networks spur trains, shared by actors (CPU inference) and
// the learner (training). Includes LibTorch: include this header only from the few .cc
// files that run a network.
//
// Observations are time-major: every tensor is [T, B, ...]. The recurrent core resets its
// state to zero before step t when resets[t] is 1 (the episode started at step t).
#pragma once

#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "models/model_options.h"

namespace spur {

using ObsMap = std::map<std::string, torch::Tensor>;

struct PolicyOutput {
  torch::Tensor logits;  // [T, B, A]
  torch::Tensor values;  // [T, B]
  torch::Tensor state;   // [B, S] after the last step
};

class PolicyNetImpl : public torch::nn::Module {
 public:
  // obs: [T, B, ...] per observation; state: [B, stateSize()]; resets: [T, B] (0/1).
  virtual PolicyOutput forward(const ObsMap& obs, torch::Tensor state, torch::Tensor resets) = 0;
  virtual int64_t stateSize() const = 0;
  // The observation tensors the network reads.
  virtual std::vector<std::string> inputs() const = 0;
  // Multiply-accumulates of one forward step for one sample (encoders + core + heads).
  virtual int64_t macsPerStep() const = 0;
};

// Builds the network for an env with these observations and `num_actions` actions.
// Throws Error (kInvalidArgument) for an unknown type/core, or when the env lacks an
// observation the network needs.
std::shared_ptr<PolicyNetImpl> makePolicyNet(const ModelOptions& options, const std::vector<TensorSpec>& obs_spec,
                                             int64_t num_actions);

int64_t parameterCount(torch::nn::Module& module);

// log(softmax(logits)) over the actions where mask != 0. logits [..., A]; mask undefined
// (every action valid) or bool/uint8 of the same shape. Actors sample from it and the
// learner trains with it, so both sides see the same distribution.
torch::Tensor maskedLogSoftmax(const torch::Tensor& logits, const torch::Tensor& mask);

}  // namespace spur
