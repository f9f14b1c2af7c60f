#include "models/torch_codec.h"

#include <kj/exception.h>

#include <map>

namespace spur {

torch::ScalarType toTorch(DType dtype) {
  switch (dtype) {
    case DType::kUInt8: return torch::kUInt8;
    case DType::kInt8: return torch::kInt8;
    case DType::kInt16: return torch::kInt16;
    case DType::kInt32: return torch::kInt32;
    case DType::kInt64: return torch::kInt64;
    case DType::kFloat32: return torch::kFloat32;
  }
  return torch::kUInt8;
}

Status fromTorch(torch::ScalarType type, DType* out) {
  switch (type) {
    case torch::kUInt8: *out = DType::kUInt8; return Status::ok();
    case torch::kInt8: *out = DType::kInt8; return Status::ok();
    case torch::kInt16: *out = DType::kInt16; return Status::ok();
    case torch::kInt32: *out = DType::kInt32; return Status::ok();
    case torch::kInt64: *out = DType::kInt64; return Status::ok();
    case torch::kFloat32: *out = DType::kFloat32; return Status::ok();
    default: return Status::invalidArgument(std::string("torch dtype ") + c10::toString(type) + " has no wire form");
  }
}

torch::Tensor toTorchTensor(const TensorRef& ref) {
  return torch::from_blob(const_cast<uint8_t*>(ref.data), ref.shape, torch::TensorOptions().dtype(toTorch(ref.dtype))).clone();
}

void writeTorchTensor(schema::Tensor::Builder out, const std::string& name, const torch::Tensor& t) {
  const auto c = t.detach().to(torch::kCPU).contiguous();
  DType dtype;
  throwIfError(fromTorch(c.scalar_type(), &dtype));
  const auto sizes = c.sizes();
  writeTensor(out, name, dtype, {sizes.data(), sizes.size()},
              {static_cast<const uint8_t*>(c.data_ptr()), static_cast<std::size_t>(c.numel()) * c.element_size()});
}

void writeParams(schema::Params::Builder out, torch::nn::Module& module, uint64_t policy_version) {
  out.setSchemaVersion(schema::CURRENT_VERSION);
  out.setPolicyVersion(policy_version);
  const auto params = module.named_parameters(true);
  const auto buffers = module.named_buffers(true);
  auto list = out.initTensors(static_cast<unsigned>(params.size() + buffers.size()));
  unsigned i = 0;
  for (const auto& p : params) writeTorchTensor(list[i++], p.key(), p.value());
  for (const auto& b : buffers) writeTorchTensor(list[i++], b.key(), b.value());
}

Status loadParams(schema::Params::Reader in, torch::nn::Module& module) {
  std::map<std::string, torch::Tensor> targets;
  for (const auto& p : module.named_parameters(true)) targets[p.key()] = p.value();
  for (const auto& b : module.named_buffers(true)) targets[b.key()] = b.value();
  std::vector<std::pair<torch::Tensor, TensorRef>> updates;
  try {
    if (in.getSchemaVersion() != schema::CURRENT_VERSION)
      return Status::invalidArgument("params of schema version " + std::to_string(in.getSchemaVersion()) + ", expected " +
                                     std::to_string(schema::CURRENT_VERSION));
    for (auto t : in.getTensors()) {
      TensorRef ref;
      if (Status s = readTensor(t, &ref); !s.isOk()) return s;
      auto it = targets.find(ref.name);
      if (it == targets.end()) return Status::invalidArgument("params carry unknown tensor '" + ref.name + "'");
      const auto sizes = it->second.sizes();
      DType want;
      throwIfError(fromTorch(it->second.scalar_type(), &want));
      if (Status s = expectTensor(ref, want, {sizes.data(), sizes.size()}); !s.isOk()) return s;
      updates.emplace_back(it->second, ref);
      targets.erase(it);
    }
  } catch (const kj::Exception& e) {
    return Status::dataLoss(std::string("malformed params message: ") + e.getDescription().cStr());
  }
  if (!targets.empty()) return Status::invalidArgument("params lack tensor '" + targets.begin()->first + "'");
  torch::NoGradGuard no_grad;
  for (auto& [dst, ref] : updates) dst.copy_(toTorchTensor(ref));
  return Status::ok();
}

}  // namespace spur
