// Torch <-> wire: tensors and whole parameter sets. Includes LibTorch.
#pragma once

#include <torch/torch.h>

#include <string>

#include "core/schema/spur.capnp.h"
#include "core/status.h"
#include "core/tensor.h"
#include "core/tensor_codec.h"

namespace spur {

torch::ScalarType toTorch(DType dtype);
// InvalidArgument for a torch dtype spur does not send.
Status fromTorch(torch::ScalarType type, DType* out);

// Copies a validated wire tensor into a new torch tensor.
torch::Tensor toTorchTensor(const TensorRef& ref);
// Writes a CPU tensor (made contiguous) under `name`.
void writeTorchTensor(schema::Tensor::Builder out, const std::string& name, const torch::Tensor& t);

// Fills a Params message with every parameter and buffer of `module`.
void writeParams(schema::Params::Builder out, torch::nn::Module& module, uint64_t policy_version);
// Loads a Params message into `module`. DataLoss/InvalidArgument (and nothing changed)
// when a name is missing or unknown, or a dtype or shape differs.
Status loadParams(schema::Params::Reader in, torch::nn::Module& module);

}  // namespace spur
