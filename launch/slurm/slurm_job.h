// `spur launch slurm CONFIG [a.b=v ...] [--print]`: one heterogeneous Slurm job per run.
// Component 0 runs the learner ranks (one task per rank, on one node, GPUs per rank from
// slurm.learner_gpus_per_rank), component 1 the actors, component 2 the llm_server and the
// reward learner (when reward.type needs them; a local llama.cpp server with them), and an
// optional component 3 an OpenAI-compatible server (slurm.llm_server_command, e.g. vLLM).
// At every start, requeues included, the job script resolves each component's node address
// (scontrol), writes the run's config.yaml with tcp addresses through `spur train
// --print-commands`, and starts the roles with srun; the learner resumes from the run's
// latest checkpoint. The run directory must be on storage every node sees.
#pragma once

#include <CLI/CLI.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "launch/spur_config.h"

namespace spur {

struct SlurmJobInputs {
  std::string config_file;              // absolute path of CONFIG
  std::vector<std::string> overrides;   // the user's a.b=v overrides
  std::string spur_binary;              // absolute path of the spur executable on the nodes
  std::filesystem::path run_dir;        // absolute: <run.dir>/<run.name>
};

// The sbatch script (bash) for `cfg`. Throws Error(kInvalidArgument) naming the slurm.* key
// for settings Slurm would refuse.
std::string slurmJobScript(const SpurConfig& cfg, const SlurmJobInputs& inputs);

struct LaunchSlurmArgs {
  std::string config;
  std::vector<std::string> overrides;
  bool print = false;  // print the script instead of submitting it
};

// Writes <run>/slurm/job.sbatch; with print, prints it; else submits it with sbatch and
// prints the job id. Returns the exit code.
int runLaunchSlurm(const LaunchSlurmArgs& args);

// `spur launch slurm ...`.
void addLaunchCommands(CLI::App& app);

}  // namespace spur
