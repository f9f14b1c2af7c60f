// SlurmOptions: the YAML section `slurm`, read only by `spur launch slurm` (torch-free).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace spur {

struct SlurmOptions {
  std::string partition;           // --partition of every component ("" = the default)
  std::string time;                // --time, e.g. "24:00:00" ("" = the partition's)
  std::string account;             // --account ("" = none)
  int64_t learner_cpus_per_rank = 2;
  int64_t learner_gpus_per_rank = 0;  // --gpus-per-task of the learner ranks (learner.device: cuda)
  int64_t actor_nodes = 1;         // nodes of the actor component; actors.processes tasks spread over them
  int64_t actor_cpus_per_task = 1;
  int64_t service_cpus = 2;        // llm_server + reward learner (+ a local llama.cpp server)
  std::string mem_per_cpu = "1G";  // --mem-per-cpu of every component
  int64_t base_port = 29500;       // the job's tcp ports: base + 0..5 x 100 (+ rank)
  bool requeue = true;             // --requeue: a requeued job resumes from the last checkpoint
  // An OpenAI-compatible server of its own (e.g. "vllm serve meta-llama/Llama-3.1-8B-Instruct
  // --port 8000"): one more component; llm.openai.url then points at its node.
  std::string llm_server_command;
  int64_t llm_server_gpus = 1;
  int64_t llm_server_port = 8000;
  std::vector<std::string> sbatch;  // extra "#SBATCH" options for every component, e.g. "--qos=high"

  template <class B>
  void bind(B& b) {
    b.field("partition", partition);
    b.field("time", time);
    b.field("account", account);
    b.field("learner_cpus_per_rank", learner_cpus_per_rank);
    b.field("learner_gpus_per_rank", learner_gpus_per_rank);
    b.field("actor_nodes", actor_nodes);
    b.field("actor_cpus_per_task", actor_cpus_per_task);
    b.field("service_cpus", service_cpus);
    b.field("mem_per_cpu", mem_per_cpu);
    b.field("base_port", base_port);
    b.field("requeue", requeue);
    b.field("llm_server_command", llm_server_command);
    b.field("llm_server_gpus", llm_server_gpus);
    b.field("llm_server_port", llm_server_port);
    b.field("sbatch", sbatch);
  }
};

}  // namespace spur
