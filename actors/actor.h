// The actor role (`spur actor`): B envs stepped together, one batched CPU forward pass of
// the current policy per step, unrolls of T steps PUSHed to the learner, parameters
// received from the learner's PUB between steps.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "actors/actor_options.h"
#include "envs/env_factory.h"
#include "models/model_options.h"

namespace spur {

struct ActorRoleOptions {
  EnvOptions env;
  ModelOptions model;
  ActorOptions actors;
  int64_t rollout = 32;      // T
  uint64_t seed = 1;         // run seed
  int rank = 0;              // actor index; decides env seeds and sampling RNG
  std::string unroll_address;
  std::string params_address;
  int64_t unroll_hwm = 8;
};

// Runs until `stop` becomes true (the process got SIGTERM/SIGINT) and returns the exit
// code. Throws Error when an env, the network or a socket cannot be set up.
int runActor(const ActorRoleOptions& options, const std::atomic<bool>& stop);

}  // namespace spur
