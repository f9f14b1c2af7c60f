#include "learner/checkpoint.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <regex>
#include <sstream>
#include <utility>
#include <vector>

#include "core/atomic_file.h"
#include "core/status.h"

namespace spur {

namespace fs = std::filesystem;

void CheckpointStore::save(AppoTrainer& trainer, const LearnerCounters& c) const {
  fs::create_directories(dir_);
  torch::serialize::OutputArchive archive;
  for (const auto& p : trainer.net().named_parameters(true)) archive.write("model/" + p.key(), p.value());
  for (const auto& b : trainer.net().named_buffers(true)) archive.write("model/" + b.key(), b.value(), /*is_buffer=*/true);
  torch::serialize::OutputArchive opt;
  trainer.optimizer().save(opt);
  archive.write("optimizer", opt);
  archive.write("counters", torch::tensor({c.frames, c.updates, c.episodes}, torch::kInt64));
  archive.write("rng", at::detail::getDefaultCPUGenerator().get_state());
  // Serialised in memory first: LibTorch's file writer throws again from its destructor when
  // a write fails (disk full), which ends the process in std::terminate. The bytes then go
  // through a unique temporary file and a rename; `latest` is re-pointed the same way.
  const std::string name = "ckpt-" + std::to_string(c.updates) + ".pt";
  std::ostringstream bytes;
  archive.save_to(bytes);
  writeFileAtomically(dir_ / name, bytes.str());
  const fs::path link_tmp = dir_ / ("latest.tmp." + std::to_string(::getpid()));
  fs::remove(link_tmp);
  fs::create_symlink(name, link_tmp);
  fs::rename(link_tmp, dir_ / "latest");
  // Keep the newest `keep`. Temporary files of other processes are a killed learner's
  // half-written checkpoints (only one learner writes here at a time): tens of MB each.
  std::vector<std::pair<int64_t, fs::path>> all;
  const std::regex re("ckpt-([0-9]+)\\.pt");
  const std::string mine = ".tmp." + std::to_string(::getpid()) + ".";
  for (const auto& e : fs::directory_iterator(dir_)) {
    std::smatch m;
    const std::string f = e.path().filename().string();
    if (std::regex_match(f, m, re)) all.emplace_back(std::stoll(m[1]), e.path());
    else if (f.rfind("ckpt-", 0) == 0 && f.find(".tmp.") != std::string::npos && (f + ".").find(mine) == std::string::npos) fs::remove(e.path());
  }
  std::sort(all.begin(), all.end());
  for (std::size_t i = 0; i + static_cast<std::size_t>(keep_) < all.size(); ++i) fs::remove(all[i].second);
}

std::string latestCheckpointFile(const fs::path& dir) {
  const fs::path latest = dir / "latest";
  std::error_code ec;
  if (!fs::exists(latest, ec)) return "";
  return fs::canonical(latest).string();
}

namespace {

void readWeights(torch::serialize::InputArchive& archive, PolicyNetImpl& net) {
  torch::NoGradGuard no_grad;
  // copy_ broadcasts: without the shape check a [1] tensor of another network's checkpoint
  // would fill a whole parameter and load without a word.
  auto copy = [](const std::string& name, torch::Tensor& dst, const torch::Tensor& src) {
    TORCH_CHECK(src.sizes() == dst.sizes(), "model/", name, " has shape ", src.sizes(), " in the file, ", dst.sizes(), " in the network");
    dst.copy_(src);
  };
  for (auto& p : net.named_parameters(true)) {
    torch::Tensor t;
    archive.read("model/" + p.key(), t);
    copy(p.key(), p.value(), t);
  }
  for (auto& b : net.named_buffers(true)) {
    torch::Tensor t;
    archive.read("model/" + b.key(), t, /*is_buffer=*/true);
    copy(b.key(), b.value(), t);
  }
}

}  // namespace

bool CheckpointStore::loadLatest(AppoTrainer& trainer, LearnerCounters* c) const {
  const std::string file = latestCheckpointFile(dir_);
  if (file.empty()) return false;
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(file, trainer.device());  // a GPU run resumes on its GPU, a CPU run on the CPU
    readWeights(archive, trainer.net());
    torch::serialize::InputArchive opt;
    archive.read("optimizer", opt);
    trainer.optimizer().load(opt);
    torch::Tensor counters, rng;
    archive.read("counters", counters);
    archive.read("rng", rng);
    auto gen = at::detail::getDefaultCPUGenerator();
    gen.set_state(rng);
    c->frames = counters[0].item<int64_t>();
    c->updates = counters[1].item<int64_t>();
    c->episodes = counters[2].item<int64_t>();
  } catch (const c10::Error& e) {
    throw Error(StatusCode::kDataLoss, "cannot resume from checkpoint " + file + ": " + e.what_without_backtrace() + " (move it away to start over)");
  }
  spdlog::info("learner: resumed from {} (update {}, {} frames, {} episodes)", file, c->updates, c->frames, c->episodes);
  return true;
}

void loadPolicyWeights(const std::string& file, PolicyNetImpl& net) {
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(file, torch::kCPU);  // policies play on the CPU, whatever trained them
    readWeights(archive, net);
  } catch (const c10::Error& e) {
    throw Error(StatusCode::kDataLoss, "checkpoint " + file + " does not hold this run's network: " + e.what_without_backtrace());
  }
}

}  // namespace spur
