#include "launch/slurm/slurm_job.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/config.h"
#include "core/status.h"
#include "core/subprocess.h"

namespace spur {
namespace fs = std::filesystem;

namespace {

// sbatch reads an #SBATCH line's argument up to the first blank outside double quotes,
// with backslash escapes; it knows no single quotes.
std::string sbatchQuote(const std::string& s) {
  if (s.find_first_of(" \t\"\\'") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
  return out + "\"";
}

}  // namespace

std::string slurmJobScript(const SpurConfig& cfg, const SlurmJobInputs& in) {
  const SlurmOptions& s = cfg.slurm;
  auto fail = [](const std::string& what) { throw Error(StatusCode::kInvalidArgument, what); };
  if (in.run_dir.string().find_first_of("\n\r") != std::string::npos) fail("run.dir / run.name: a line break cannot pass through a Slurm job script");
  if (s.learner_cpus_per_rank < 1) fail("slurm.learner_cpus_per_rank must be >= 1");
  if (s.learner_gpus_per_rank < 0) fail("slurm.learner_gpus_per_rank must be >= 0");
  if (s.actor_nodes < 1 || s.actor_nodes > cfg.actors.processes) fail("slurm.actor_nodes must be between 1 and actors.processes");
  if (s.actor_cpus_per_task < 1 || s.service_cpus < 1) fail("slurm.actor_cpus_per_task and slurm.service_cpus must be >= 1");
  if (s.base_port < 1024 || s.base_port + 600 > 65535) fail("slurm.base_port must be between 1024 and 64935");
  if (cfg.learner.device != "cpu" && s.learner_gpus_per_rank == 0)
    fail("learner.device is '" + cfg.learner.device + "' but slurm.learner_gpus_per_rank is 0");
  const bool services = cfg.reward.type != RewardType::kNone;
  const bool llm_services = usesLlm(cfg.reward.type);
  const bool own_llm = !s.llm_server_command.empty();
  if (own_llm && !llm_services) fail("slurm.llm_server_command is set but reward.type '" + std::string(enumName(cfg.reward.type)) + "' asks no LLM");

  std::ostringstream o;
  auto common = [&] {
    o << "#SBATCH --mem-per-cpu=" << s.mem_per_cpu << "\n";
    if (!s.partition.empty()) o << "#SBATCH --partition=" << s.partition << "\n";
    if (!s.time.empty()) o << "#SBATCH --time=" << s.time << "\n";
    if (!s.account.empty()) o << "#SBATCH --account=" << s.account << "\n";
    for (const auto& line : s.sbatch) o << "#SBATCH " << line << "\n";
  };
  const fs::path out_dir = in.run_dir / "slurm";
  o << "#!/bin/bash\n"
    << "# Written by `spur launch slurm` for " << in.config_file << "; submit it with sbatch.\n"
    << "# Components: 0 learner ranks, 1 actors" << (services ? ", 2 llm_server + reward learner" : "") << (own_llm ? ", 3 LLM server" : "") << ".\n"
    << "#SBATCH --job-name=" << sbatchQuote("spur-" + cfg.run.name) << "\n"
    << "#SBATCH --output=" << sbatchQuote((out_dir / "job-%j.out").string()) << "\n"
    << "#SBATCH --open-mode=append\n";
  if (s.requeue) o << "#SBATCH --requeue\n";
  o << "#SBATCH --nodes=1 --ntasks=" << cfg.learner.world_size << " --cpus-per-task=" << s.learner_cpus_per_rank << "\n";
  if (s.learner_gpus_per_rank > 0) o << "#SBATCH --gpus-per-task=" << s.learner_gpus_per_rank << "\n";
  common();
  o << "#SBATCH hetjob\n#SBATCH --nodes=" << s.actor_nodes << " --ntasks=" << cfg.actors.processes << " --cpus-per-task=" << s.actor_cpus_per_task << "\n";
  common();
  if (services) {
    o << "#SBATCH hetjob\n#SBATCH --nodes=1 --ntasks=1 --cpus-per-task=" << s.service_cpus << "\n";
    common();
  }
  if (own_llm) {
    o << "#SBATCH hetjob\n#SBATCH --nodes=1 --ntasks=1 --gpus=" << s.llm_server_gpus << "\n";
    common();
  }
  std::string user_overrides;
  for (const auto& v : in.overrides) user_overrides += " " + shellQuote(v);
  const int64_t p = s.base_port;
  o << "set -uo pipefail\n"
    << "SPUR=" << shellQuote(in.spur_binary) << "\n"
    << "RUN=" << shellQuote(in.run_dir.string()) << "\n"
    << "# A component's first node and the address Slurm knows it by.\n"
    << "addr() { scontrol show node \"$(scontrol show hostnames \"$1\" | head -n1)\" -o | sed -n 's/.* NodeAddr=\\([^ ]*\\).*/\\1/p'; }\n"
    << "LEARNER=$(addr \"$SLURM_JOB_NODELIST_HET_GROUP_0\")\n"
    << (services ? "SERVICES=$(addr \"$SLURM_JOB_NODELIST_HET_GROUP_2\")\n" : "SERVICES=$LEARNER\n")
    << (own_llm ? "LLM=$(addr \"$SLURM_JOB_NODELIST_HET_GROUP_3\")\n" : "")
    << "echo \"spur job $SLURM_JOB_ID start ${SLURM_RESTART_COUNT:-0}: learner ranks on $LEARNER, actors on $SLURM_JOB_NODELIST_HET_GROUP_1\"\n"
    << "# The run's config.yaml with this start's addresses (rank r of a per-rank socket: port + r).\n"
    << "\"$SPUR\" --log-level warn train " << shellQuote(in.config_file) << user_overrides << " run.dir=" << shellQuote(in.run_dir.parent_path().string())
    << " run.name=" << shellQuote(in.run_dir.filename().string()) << " \\\n"
    << "  transport.unroll_address=tcp://$LEARNER:" << p << " transport.params_address=tcp://$LEARNER:" << p + 100
    << " transport.messages_address=tcp://$LEARNER:" << p + 200 << " \\\n"
    << "  transport.rewards_address=tcp://$SERVICES:" << p + 300 << " transport.llm_address=tcp://$SERVICES:" << p + 400
    << " learner.dist_address=$LEARNER:" << p + 500 << " \\\n"
    << (own_llm ? "  llm.local_server.model= llm.openai.url=http://$LLM:" + std::to_string(s.llm_server_port) + " \\\n" : "")
    << "  --print-commands > \"$RUN/slurm/commands-$SLURM_JOB_ID.txt\" || exit 2\n"
    << "STEPS=()\n";
  if (own_llm) o << "srun --het-group=3 bash -c " << shellQuote(s.llm_server_command) << " &\nSTEPS+=($!)\n";
  if (services)
    o << "# llm_server, reward learner and a local LLM server: every command spur train would start but the learner and actors.\n"
      << "# The task forwards SIGTERM to them and waits: an orphaned role would outlive the job.\n"
      << "srun --het-group=2 bash -c 'pids=(); while read -r c; do case \"$c\" in *\" llm-server \"*) l=llm_server;; *\" reward-learner \"*) l=reward_learner;;"
         " *) l=llama_server;; esac; eval \"$c\" >> \"$0/logs/$l-0.log\" 2>&1 & pids+=($!); done < <(grep -v -e \"^#\" -e \" learner --run-dir \" -e \" actor --run-dir \""
         " \"$0/slurm/commands-$SLURM_JOB_ID.txt\"); trap \"kill -TERM ${pids[*]} 2>/dev/null\" TERM INT; wait; wait' \"$RUN\" &\nSTEPS+=($!)\n";
  o << "# Each task appends to its log in the run directory, as under spur train.\n"
    << "srun --het-group=1 bash -c 'exec \"$0\" actor --run-dir \"$1\" --rank \"$SLURM_PROCID\" >> \"$1/logs/actor-$SLURM_PROCID.log\" 2>&1' \"$SPUR\" \"$RUN\" &\n"
    << "STEPS+=($!)\n"
    << "srun --het-group=0 bash -c 'exec \"$0\" learner --run-dir \"$1\" --rank \"$SLURM_PROCID\" >> \"$1/logs/learner-$SLURM_PROCID.log\" 2>&1' \"$SPUR\" \"$RUN\" &\n"
    << "LEARNERS=$!\n"
    << "# A requeue or scancel signals every step: the learner ranks checkpoint and stop.\n"
    << "trap 'kill -TERM $LEARNERS \"${STEPS[@]}\" 2>/dev/null' TERM INT\n"
    << "wait $LEARNERS\nrc=$?\n"
    << "kill -TERM \"${STEPS[@]}\" 2>/dev/null\nwait\n"
    << "echo \"spur job $SLURM_JOB_ID learner ranks exited with $rc\"\n"
    << "exit $rc\n";
  return o.str();
}

int runLaunchSlurm(const LaunchSlurmArgs& a) {
  SpurConfig cfg = config::load<SpurConfig>(a.config, a.overrides);
  if (cfg.run.name.empty()) cfg.run.name = fs::path(a.config).stem().string();
  SlurmJobInputs in;
  in.config_file = fs::absolute(a.config).lexically_normal().string();
  in.overrides = a.overrides;
  in.spur_binary = fs::canonical("/proc/self/exe").string();
  in.run_dir = (fs::absolute(cfg.run.dir) / cfg.run.name).lexically_normal();
  const std::string script = slurmJobScript(cfg, in);
  fs::create_directories(in.run_dir / "slurm");
  const fs::path file = in.run_dir / "slurm" / "job.sbatch";
  {
    std::ofstream out(file, std::ios::trunc);
    out << script;
    if (!out) throw Error(StatusCode::kUnavailable, file.string() + ": cannot write");
  }
  fs::permissions(file, fs::perms::owner_exec | fs::perms::group_exec, fs::perm_options::add);
  if (a.print) {
    std::fputs(script.c_str(), stdout);
    return 0;
  }
  SubprocessResult r;
  if (Status st = runSubprocess({"sbatch", "--parsable", file.string()}, &r); !st.isOk())
    throw Error(StatusCode::kUnavailable, "sbatch: " + st.message() + " (is Slurm installed here?)");
  if (r.exit_code != 0) throw Error(StatusCode::kUnavailable, "sbatch " + file.string() + " failed (exit " + std::to_string(r.exit_code) + ")");
  std::printf("submitted %s as job %s; output in %s\n", file.c_str(), r.output.substr(0, r.output.find_first_of(";\n")).c_str(),
              (in.run_dir / "slurm").c_str());
  return 0;
}

void addLaunchCommands(CLI::App& app) {
  auto* launch = app.add_subcommand("launch", "Launch a run on a cluster");
  launch->require_subcommand(1);
  auto args = std::make_shared<LaunchSlurmArgs>();
  auto* slurm = launch->add_subcommand("slurm", "Write RUN/slurm/job.sbatch, a heterogeneous Slurm job of CONFIG's roles, and submit it with sbatch");
  slurm->add_option("CONFIG", args->config, "Experiment YAML")->required()->check(CLI::ExistingFile);
  slurm->add_option("OVERRIDES", args->overrides, "Config overrides a.b.c=value");
  slurm->add_flag("--print", args->print, "Print the job script (still written to RUN/slurm/job.sbatch) instead of submitting it");
  slurm->callback([args] { std::exit(runLaunchSlurm(*args)); });
}

}  // namespace spur
