// The actor role (`spur actor`): B envs stepped together, one batched CPU forward pass of
// the current policy per step, unrolls of T steps PUSHed to the learner, parameters
// received from the learner's PUB between steps.
#pragma once

#include <atomic>
#include <memory>
#include <cstdint>
#include <string>

#include "actors/actor_options.h"
#include "envs/env_registry.h"
#include "models/model_options.h"

namespace spur {

struct CurveKeys;  // core/curve.h

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
  std::shared_ptr<const CurveKeys> curve;  // transport.curve: every socket uses CURVE; none = plain
};

// The seeds of an actor's random streams: env b is created with index rank*B + b, resets
// draw their seeds from mt19937_64(env_resets) in env order, and the random policy draws
// each step's B actions, in env order, from mt19937_64(random_policy). Public so that a
// benchmark can replay exactly the games an actor plays.
struct ActorSeeds {
  uint64_t env_resets;
  uint64_t random_policy;
};
ActorSeeds actorSeeds(uint64_t run_seed, int rank);

// Runs until `stop` becomes true (the process got SIGTERM/SIGINT) and returns the exit
// code. Throws Error when an env, the network or a socket cannot be set up.
int runActor(const ActorRoleOptions& options, const std::atomic<bool>& stop);

}  // namespace spur
