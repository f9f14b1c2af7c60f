// The learner's checkpoint files as `spur eval` and a resumed learner read them
// (loadPolicyWeights: a LibTorch archive holding model/<name> per parameter and buffer),
// into a small MLP policy network. The first byte picks the input:
//   even: the rest is the file, as found on disk;
//   odd:  the rest says, per tensor of the network, how the archive's tensor differs from it
//         (same, a dimension dropped, a dimension added, shape [1], a longer first dimension,
//         float64, absent), and the archive is written with LibTorch's own writer.
// Contract: the file loads only when it holds this network's tensors; anything else is an
// Error (kDataLoss) naming the file.
#include "fuzz/fuzz_util.h"
#include "fuzz/small_policy_net.h"
#include "learner/checkpoint.h"

namespace {

// Writes an archive whose tensors differ from the net's as `in` says; returns whether it
// holds exactly the net's names and shapes.
bool writeVariant(spur::fuzz::ByteReader& in, spur::PolicyNetImpl& net, const std::string& path) {
  torch::serialize::OutputArchive archive;
  bool fits = true;
  auto add = [&](const std::string& name, const torch::Tensor& t, bool buffer) {
    std::vector<int64_t> shape = t.sizes().vec();
    auto dtype = t.scalar_type();
    switch (in.byte() % 7) {
      case 0: break;
      case 1: if (!shape.empty()) { shape.pop_back(); fits = false; } break;
      case 2: shape.push_back(1); fits = false; break;
      case 3: if (shape != std::vector<int64_t>{1}) { shape = {1}; fits = false; } break;
      case 4: if (!shape.empty()) { ++shape[0]; fits = false; } break;
      case 5: dtype = torch::kFloat64; break;  // converted on load: still this network's values
      default: fits = false; return;
    }
    archive.write("model/" + name, torch::ones(shape, torch::TensorOptions().dtype(dtype)), buffer);
  };
  for (const auto& p : net.named_parameters(true)) add(p.key(), p.value(), false);
  for (const auto& b : net.named_buffers(true)) add(b.key(), b.value(), true);
  archive.save_to(path);
  return fits;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  static const auto net = spur::fuzz::smallPolicyNet();
  if (size == 0) return 0;
  spur::fuzz::ByteReader in(data + 1, size - 1);
  const std::string path = (spur::fuzz::scratchDir() / "ckpt-1.pt").string();
  std::optional<bool> fits;
  if (data[0] % 2 == 0) spur::fuzz::writeScratchFile("ckpt-1.pt", in.rest());
  else fits = writeVariant(in, *net, path);
  bool loaded = false;
  try {
    spur::loadPolicyWeights(path, *net);
    loaded = true;
  } catch (const spur::Error& e) {
    SPUR_FUZZ_EXPECT(e.status().code() == spur::StatusCode::kDataLoss);
    SPUR_FUZZ_EXPECT(std::string(e.what()).find(path) != std::string::npos);
  }
  if (fits) {
    if (loaded != *fits) std::fprintf(stderr, "a checkpoint that %s this network was %s\n", *fits ? "fits" : "does not fit", loaded ? "loaded" : "refused");
    SPUR_FUZZ_EXPECT(loaded == *fits);
  }
  return 0;
}
