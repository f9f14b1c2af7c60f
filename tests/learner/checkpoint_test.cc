#include "learner/checkpoint.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>

#include "core/status.h"
#include "models/policy_net.h"

namespace {

std::shared_ptr<spur::PolicyNetImpl> mlp(int64_t hidden) {
  spur::ModelOptions o;
  o.type = spur::ModelType::kMlp;
  o.hidden_size = hidden;
  o.encoder_width = 4;
  return spur::makePolicyNet(o, {{"features", spur::DType::kFloat32, {3}}}, 2);
}

// The model part of a checkpoint as CheckpointStore::save writes it, with one tensor replaced.
std::string writeCheckpoint(spur::PolicyNetImpl& net, const std::string& replace, const torch::Tensor& with) {
  torch::serialize::OutputArchive archive;
  for (const auto& p : net.named_parameters(true)) archive.write("model/" + p.key(), p.key() == replace ? with : p.value());
  for (const auto& b : net.named_buffers(true)) archive.write("model/" + b.key(), b.value(), /*is_buffer=*/true);
  const auto path = std::filesystem::temp_directory_path() / ("spur-ckpt-test-" + std::to_string(getpid()) + ".pt");
  archive.save_to(path.string());
  return path.string();
}

}  // namespace

TEST_CASE("checkpoint: policy weights load into the same network, and a tensor of another shape is refused naming the file") {
  auto saved = mlp(4);
  auto net = mlp(4);
  const std::string first = saved->named_parameters(true).begin()->key();
  const std::string same = writeCheckpoint(*saved, "", {});
  spur::loadPolicyWeights(same, *net);
  CHECK(torch::equal(net->named_parameters(true)[first], saved->named_parameters(true)[first]));

  // A [1] tensor broadcasts in copy_: it used to load, filling the whole parameter.
  for (const auto& wrong : {torch::ones({1}), torch::ones({4, 3, 1}), torch::ones({0})}) {
    CAPTURE(wrong.sizes());
    const std::string file = writeCheckpoint(*saved, first, wrong);
    try {
      spur::loadPolicyWeights(file, *net);
      FAIL("loaded a checkpoint of another shape");
    } catch (const spur::Error& e) {
      CHECK(e.status().code() == spur::StatusCode::kDataLoss);
      CHECK(std::string(e.what()).find(file) != std::string::npos);
      CHECK(std::string(e.what()).find("model/" + first) != std::string::npos);
    }
    std::filesystem::remove(file);
  }
  std::filesystem::remove(same);
}
