// CheckpointStore: the policy learner's checkpoints in <run>/checkpoints: ckpt-<update>.pt
// files (model parameters and buffers, optimiser state, counters, the CPU RNG), written to
// a temp file and renamed, a `latest` symlink renamed into place the same way, the newest
// `keep` kept. Includes LibTorch.
//
// Thread-safety: one store per learner; not thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "learner/appo.h"

namespace spur {

struct LearnerCounters {
  int64_t frames = 0;    // env frames trained on
  int64_t updates = 0;   // = policy version
  int64_t episodes = 0;
};

class CheckpointStore {
 public:
  CheckpointStore(std::filesystem::path dir, int64_t keep) : dir_(std::move(dir)), keep_(keep) {}

  // Writes ckpt-<updates>.pt and points `latest` at it. Throws std::filesystem_error or
  // c10::Error when the disk refuses (the role's main reports it).
  void save(AppoTrainer& trainer, const LearnerCounters& counters) const;
  // Restores trainer and counters from `latest`; false when there is none. Throws Error
  // (kDataLoss) naming the file when it cannot be read.
  bool loadLatest(AppoTrainer& trainer, LearnerCounters* counters) const;

  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  int64_t keep_;
};

// The file `latest` points to in a checkpoints folder; "" when there is none.
std::string latestCheckpointFile(const std::filesystem::path& dir);

// Loads only the network's parameters and buffers from a checkpoint file (for playing a
// trained policy). Throws Error (kDataLoss) naming the file when it does not fit the net.
void loadPolicyWeights(const std::string& file, PolicyNetImpl& net);

}  // namespace spur
