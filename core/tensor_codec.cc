#include "core/tensor_codec.h"

#include <limits>

namespace spur {

namespace {

std::string shapeText(std::span<const int64_t> shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

}  // namespace

schema::DType toWire(DType dtype) {
  switch (dtype) {
    case DType::kUInt8: return schema::DType::UINT8;
    case DType::kInt8: return schema::DType::INT8;
    case DType::kInt16: return schema::DType::INT16;
    case DType::kInt32: return schema::DType::INT32;
    case DType::kInt64: return schema::DType::INT64;
    case DType::kFloat32: return schema::DType::FLOAT32;
  }
  return schema::DType::UINT8;
}

void writeTensor(schema::Tensor::Builder out, std::string_view name, DType dtype, std::span<const int64_t> shape,
                 std::span<const uint8_t> bytes) {
  int64_t n = 1;
  for (auto d : shape) n *= d;
  SPUR_CHECK(static_cast<std::size_t>(n) * dtypeSize(dtype) == bytes.size(), "writeTensor: bytes do not match the shape");
  out.setName(capnp::Text::Reader(name.data(), name.size()));
  out.setDtype(toWire(dtype));
  auto s = out.initShape(static_cast<unsigned>(shape.size()));
  for (std::size_t i = 0; i < shape.size(); ++i) s.set(static_cast<unsigned>(i), shape[i]);
  out.setData(capnp::Data::Reader(bytes.data(), bytes.size()));
}

int64_t TensorRef::numel() const {
  int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

Status readTensor(schema::Tensor::Reader in, TensorRef* out) {
  out->name = in.getName().cStr();
  switch (in.getDtype()) {
    case schema::DType::UINT8: out->dtype = DType::kUInt8; break;
    case schema::DType::INT8: out->dtype = DType::kInt8; break;
    case schema::DType::INT16: out->dtype = DType::kInt16; break;
    case schema::DType::INT32: out->dtype = DType::kInt32; break;
    case schema::DType::INT64: out->dtype = DType::kInt64; break;
    case schema::DType::FLOAT32: out->dtype = DType::kFloat32; break;
    default: return Status::dataLoss("tensor '" + out->name + "': unknown dtype " + std::to_string(static_cast<int>(in.getDtype())));
  }
  out->shape.clear();
  uint64_t numel = 1;
  for (int64_t d : in.getShape()) {
    if (d < 0) return Status::dataLoss("tensor '" + out->name + "': negative dimension " + std::to_string(d));
    out->shape.push_back(d);
    if (d != 0 && numel > std::numeric_limits<uint64_t>::max() / 8 / static_cast<uint64_t>(d))
      return Status::dataLoss("tensor '" + out->name + "': shape " + shapeText(out->shape) + " overflows");
    numel *= static_cast<uint64_t>(d);
  }
  const auto data = in.getData();
  const uint64_t want = numel * dtypeSize(out->dtype);
  if (data.size() != want)
    return Status::dataLoss("tensor '" + out->name + "': shape " + shapeText(out->shape) + " of " + std::string(dtypeName(out->dtype)) +
                            " needs " + std::to_string(want) + " bytes, message has " + std::to_string(data.size()));
  out->data = data.begin();
  out->bytes = data.size();
  return Status::ok();
}

Status expectTensor(const TensorRef& t, DType dtype, std::span<const int64_t> shape) {
  if (t.dtype != dtype || !std::equal(t.shape.begin(), t.shape.end(), shape.begin(), shape.end()))
    return Status::invalidArgument("tensor '" + t.name + "' is " + std::string(dtypeName(t.dtype)) + shapeText(t.shape) + ", expected " +
                                   std::string(dtypeName(dtype)) + shapeText(shape));
  return Status::ok();
}

}  // namespace spur
