// CheckpointStore on a disk that refuses writes: an Error, never std::terminate, and the
// previous checkpoint still resumes.
#include "learner/checkpoint.h"

#include <doctest/doctest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>

#include "core/status.h"
#include "learner/appo.h"
#include "models/policy_net.h"

namespace fs = std::filesystem;
using spur::DType;

TEST_CASE("checkpoints: a save the disk refuses is an Error; no partial file is left and the last checkpoint resumes") {
  const fs::path dir = fs::temp_directory_path() / ("spur-ckpt-full-" + std::to_string(getpid()));
  fs::remove_all(dir);
  spur::ModelOptions mo;
  mo.type = spur::ModelType::kMlp;
  mo.hidden_size = 16;
  mo.encoder_width = 8;
  auto net = spur::makePolicyNet(mo, {{"features", DType::kFloat32, {4}}}, 3);
  spur::AppoTrainer trainer(net, spur::LearnerOptions{});
  const spur::CheckpointStore store(dir, 3);
  store.save(trainer, {100, 1, 5});
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
