// CheckpointStore and loadPolicyWeights: refusals name the file; a disk that refuses a
// write is an Error, never std::terminate.
#include "learner/checkpoint.h"

#include <doctest/doctest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "core/status.h"
#include "learner/appo.h"
#include "models/policy_net.h"

namespace fs = std::filesystem;
using spur::DType;

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

TEST_CASE("checkpoint: a save the disk refuses is an Error; no partial file is left and the last checkpoint resumes") {
  const fs::path dir = fs::temp_directory_path() / ("spur-ckpt-full-" + std::to_string(getpid()));
  fs::remove_all(dir);
  spur::ModelOptions mo;
  mo.type = spur::ModelType::kMlp;
  mo.hidden_size = 16;
  mo.encoder_width = 8;
  auto net = spur::makePolicyNet(mo, {{"features", DType::kFloat32, {4}}}, 3);
  spur::AppoTrainer trainer(net, spur::LearnerOptions{});
  const spur::CheckpointStore store(dir, 3);
  fs::create_directories(dir);
  std::ofstream(dir / "ckpt-7.pt.tmp.999999.0") << "half a checkpoint of a learner that was killed";
  store.save(trainer, {100, 1, 5});
  CHECK_FALSE(fs::exists(dir / "ckpt-7.pt.tmp.999999.0"));  // another process's leftover is removed
  const auto first_size = fs::file_size(dir / "ckpt-1.pt");

  struct rlimit old {};
  REQUIRE(getrlimit(RLIMIT_FSIZE, &old) == 0);
  signal(SIGXFSZ, SIG_IGN);
  struct rlimit full = old;
  full.rlim_cur = first_size / 2;  // a full disk: the next checkpoint cannot be written whole
  REQUIRE(setrlimit(RLIMIT_FSIZE, &full) == 0);
  CHECK_THROWS_AS(store.save(trainer, {200, 2, 9}), spur::Error);
  REQUIRE(setrlimit(RLIMIT_FSIZE, &old) == 0);
  signal(SIGXFSZ, SIG_DFL);

  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += e.is_regular_file() && !e.is_symlink();
  CHECK(files == 1);  // ckpt-1.pt only: no ckpt-2.pt, no temporary
  spur::LearnerCounters counters;
  CHECK(store.loadLatest(trainer, &counters));
  CHECK(counters.updates == 1);
  CHECK(counters.frames == 100);
  fs::remove_all(dir);
}
