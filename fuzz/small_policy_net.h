// The policy network of the params and checkpoint fuzz targets and of their seeds: an MLP
// over one float observation "features" [3], 2 actions, hidden size 4. Includes LibTorch.
#pragma once

#include "models/policy_net.h"

namespace spur::fuzz {

inline std::shared_ptr<PolicyNetImpl> smallPolicyNet() {
  ModelOptions o;
  o.type = ModelType::kMlp;
  o.hidden_size = 4;
  o.encoder_width = 4;
  return makePolicyNet(o, {{"features", DType::kFloat32, {3}}}, 2);
}

}  // namespace spur::fuzz
