// LearnerOptions and RewardOptions: the YAML sections `learner` and `reward` (torch-free).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "core/enum_names.h"
#include "core/reward_options.h"

namespace spur {

// How the learning rate changes over a run: constant, or linear decay from learning_rate to
// 0 at run.total_frames (sample-factory's `lr_schedule: linear_decay`).
enum class LrSchedule { kConstant, kLinear };
inline constexpr std::array<EnumName<LrSchedule>, 2> kLrScheduleNames{{{LrSchedule::kConstant, "constant"}, {LrSchedule::kLinear, "linear"}}};
constexpr std::span<const EnumName<LrSchedule>> enumNames(LrSchedule) { return kLrScheduleNames; }

// The YAML section `learner`. Defaults are ONI's (refs/oni.md section 8).
struct LearnerOptions {
  int64_t rollout = 32;          // T: steps per unroll
  int64_t batch_size = 1024;     // samples (T x envs) per update
  double learning_rate = 1e-4;
  LrSchedule lr_schedule = LrSchedule::kConstant;  // linear needs run.total_frames > 0
  double adam_beta1 = 0.9;
  double adam_beta2 = 0.999;
  double adam_eps = 1e-6;
  double gamma = 0.99;
  double ppo_clip = 0.1;         // ratio clipped to [1/(1+c), 1+c]
  double entropy_coeff = 0.003;
  double value_coeff = 0.5;
  double max_grad_norm = 4.0;
  double rho_bar = 1.0;          // V-trace importance-weight clip
  double c_bar = 1.0;            // V-trace trace clip
  double reward_scale = 1.0;
  double reward_clip = 10.0;     // |r| <= clip after scaling
  bool normalize_advantages = true;
  int64_t max_policy_lag = 10000;  // unrolls more than this many updates old are dropped
  int64_t queue_unrolls = 8;       // bounded queue of received unrolls (more = more policy lag)
  int64_t threads = 2;             // LibTorch intra-op threads of the learner's update
  // Where the update runs: "cpu", "cuda" (rank r of a host on GPU r % GPUs) or "cuda:N".
  // CUDA needs the CUDA build (SPUR_CUDA=1 ./spur build); ranks on GPUs all-reduce with NCCL.
  std::string device = "cpu";
  // Data parallelism: world_size learner ranks, each with its share of the actors (actor i
  // feeds rank i % world_size) and its own batch of batch_size samples; every update
  // averages the ranks' gradients, so one update trains on world_size x batch_size samples.
  int64_t world_size = 1;
  // HOST:PORT where rank 0 serves the ranks' rendezvous; "auto" = a free loopback port
  // (one host; spur train picks it). dist_interface: this host's address for the ranks'
  // connections ("" = loopback for a loopback rendezvous, else the host name's address).
  std::string dist_address = "auto";
  std::string dist_interface;
  double dist_timeout_s = 600;     // how long a rank waits for the others in an update

  template <class B>
  void bind(B& b) {
    b.field("rollout", rollout);
    b.field("batch_size", batch_size);
    b.field("learning_rate", learning_rate);
    b.field("lr_schedule", lr_schedule);
    b.field("adam_beta1", adam_beta1);
    b.field("adam_beta2", adam_beta2);
    b.field("adam_eps", adam_eps);
    b.field("gamma", gamma);
    b.field("ppo_clip", ppo_clip);
    b.field("entropy_coeff", entropy_coeff);
    b.field("value_coeff", value_coeff);
    b.field("max_grad_norm", max_grad_norm);
    b.field("rho_bar", rho_bar);
    b.field("c_bar", c_bar);
    b.field("reward_scale", reward_scale);
    b.field("reward_clip", reward_clip);
    b.field("normalize_advantages", normalize_advantages);
    b.field("max_policy_lag", max_policy_lag);
    b.field("queue_unrolls", queue_unrolls);
    b.field("threads", threads);
    b.field("device", device);
    b.field("world_size", world_size);
    b.field("dist_address", dist_address);
    b.field("dist_interface", dist_interface);
    b.field("dist_timeout_s", dist_timeout_s);
  }
};

// The YAML section `reward`: r = ext_coeff * r_ext + int_coeff * r_int / count^beta.

}  // namespace spur
