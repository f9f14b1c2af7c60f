// The learner role (`spur learner`): PULLs unrolls, trains APPO + V-trace, PUBlishes
// parameters, logs to TensorBoard, prints progress, writes checkpoints and resumes from
// the newest one.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "core/run_options.h"
#include "envs/env_registry.h"
#include "learner/learner_options.h"
#include "models/model_options.h"

namespace spur {

struct CurveKeys;  // core/curve.h

struct LearnerRoleOptions {
  RunOptions run;
  std::string run_dir;  // runs/<name>
  EnvOptions env;
  ModelOptions model;
  LearnerOptions learner;
  RewardOptions reward;
  int64_t envs_per_actor = 8;
  int rank = 0;  // of learner.world_size; rank 0 publishes parameters, writes checkpoints and logs
  // This rank's sockets (see rankAddress); params_address is rank 0's only.
  std::string unroll_address, params_address;
  std::string messages_address, rewards_address;  // used when reward.type != none
  int64_t unroll_hwm = 8, params_hwm = 2;
  std::string resolved_config;  // YAML text, logged to TensorBoard
  std::shared_ptr<const CurveKeys> curve;  // transport.curve: every socket uses CURVE; none = plain
};

// Trains until run.total_frames (exit code 0) or until `stop` (checkpoint, exit code 0).
// Throws Error for setup problems (bad config, unreadable checkpoint, busy address). With
// learner.world_size > 1: joins the other ranks first; when a rank goes away mid-run the
// others stop (rank 0 writes a checkpoint of the last complete update) and return exit
// code 3 with the reason logged, unless `stop` was set by then (a requested stop).
int runLearner(const LearnerRoleOptions& options, const std::atomic<bool>& stop);

// Throws Error naming learner.device when `device` is not cpu, cuda or cuda:N, or names a
// CUDA device this host (and this build) does not have. spur train checks before launch.
void checkLearnerDevice(const std::string& device);

}  // namespace spur
