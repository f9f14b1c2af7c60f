// Tensor codec: spur tensors <-> schema::Tensor (name, dtype, shape, raw little-endian bytes).
//
// Reading never copies: a TensorRef points into the received message, which must outlive
// it. Every read validates what the sender declared (known dtype, non-negative shape,
// byte count = numel * dtype size, no overflow) and returns a Status naming the tensor.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/schema/spur.capnp.h"
#include "core/status.h"
#include "core/tensor.h"

namespace spur {

schema::DType toWire(DType dtype);

// Fills `out` with a copy of `bytes` (REQUIRES: bytes.size() == numel(shape) * size(dtype)).
void writeTensor(schema::Tensor::Builder out, std::string_view name, DType dtype, std::span<const int64_t> shape,
                 std::span<const uint8_t> bytes);

// A validated view of a tensor inside a received message.
struct TensorRef {
  std::string name;
  DType dtype = DType::kUInt8;
  std::vector<int64_t> shape;
  const uint8_t* data = nullptr;
  std::size_t bytes = 0;

  int64_t numel() const;
  template <class T> const T* as() const { return reinterpret_cast<const T*>(data); }
};

// Validates and views `in`. DataLoss when the declared dtype/shape and the bytes disagree.
Status readTensor(schema::Tensor::Reader in, TensorRef* out);

// InvalidArgument unless `t` has exactly this dtype and shape.
Status expectTensor(const TensorRef& t, DType dtype, std::span<const int64_t> shape);

}  // namespace spur
