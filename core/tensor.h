// Tensor types shared by envs, actors and the learner: a numpy-style dtype and a
// row-major shape. No storage here; see tensor_codec.h for the wire form.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace spur {

enum class DType { kUInt8, kInt8, kInt16, kInt32, kInt64, kFloat32 };

std::string_view dtypeName(DType dtype);  // numpy's names: "uint8", "int16", ...
std::size_t dtypeSize(DType dtype);

// A named tensor's type.
struct TensorSpec {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;

  int64_t numel() const;
  std::size_t bytes() const { return static_cast<std::size_t>(numel()) * dtypeSize(dtype); }
};

}  // namespace spur
