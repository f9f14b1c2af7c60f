// SpurConfig: the whole experiment YAML. Every role reads its own section and the shared
// ones; README "Configuration" lists the keys. Torch-free.
#pragma once

#include <cstdint>
#include <string>

#include "actors/actor_options.h"
#include "core/run_options.h"
#include "envs/env_registry.h"
#include "launch/slurm/slurm_options.h"
#include "learner/learner_options.h"
#include "llm_server/llm_options.h"
#include "models/model_options.h"

namespace spur {

struct SpurConfig {
  RunOptions run;
  EnvOptions env;
  ModelOptions model;
  LearnerOptions learner;
  RewardOptions reward;
  ActorOptions actors;
  TransportOptions transport;
  LlmOptions llm;
  SlurmOptions slurm;  // only `spur launch slurm` reads it

  template <class B>
  void bind(B& b) {
    b.field("run", run);
    b.field("env", env);
    b.field("model", model);
    b.field("learner", learner);
    b.field("reward", reward);
    b.field("actors", actors);
    b.field("transport", transport);
    b.field("llm", llm);
    b.field("slurm", slurm);
  }
};

// A path from the config: as given when it exists from the working directory (or is
// absolute), else relative to the source tree this binary was built from (so that
// configs/prompts is found when spur runs from elsewhere).
std::string resolveSourcePath(const std::string& path);

}  // namespace spur
