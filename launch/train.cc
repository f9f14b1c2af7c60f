#include "launch/train.h"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <optional>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "actors/actor.h"
#include "core/atomic_file.h"
#include "core/config.h"
#include "core/curve.h"
#include "core/status.h"
#include "core/subprocess.h"
#include "core/transport.h"
#include "launch/local_llm.h"
#include "launch/restart_policy.h"
#include "launch/spur_config.h"
#include "learner/learner_role.h"
#include "llm_server/label_backend.h"
#include "llm_server/llm_server_role.h"
#include "llm_server/prompt_template.h"
#include "reward_model/reward_learner_role.h"

namespace spur {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};

void onSignal(int sig) {
  g_signal = sig;
  g_stop = true;
}

void installStopHandlers() {
  struct sigaction sa {};
  sa.sa_handler = onSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

SpurConfig loadRunConfig(const std::string& run_dir) {
  return config::load<SpurConfig>((fs::path(run_dir) / "config.yaml").string(), {});
}

std::string selfExe() { return fs::read_symlink("/proc/self/exe").string(); }

// The run's CURVE keys when transport.curve is on (none otherwise); spur train creates them.
std::shared_ptr<const CurveKeys> runCurveKeys(const SpurConfig& cfg, const fs::path& run_dir, bool create) {
  if (!cfg.transport.curve) return nullptr;
  return loadCurveKeys(cfg.transport.curve_dir.empty() ? run_dir / "curve" : fs::path(cfg.transport.curve_dir), create);
}

// A short, per-run ipc path: socket paths are limited to ~107 bytes.
std::string autoAddress(const fs::path& run_dir, const char* what) {
  const std::size_t h = std::hash<std::string>{}(fs::absolute(run_dir).lexically_normal().string());
  char buf[128];
  std::snprintf(buf, sizeof buf, "ipc:///tmp/spur-%016zx-%s.sock", h, what);
  return buf;
}

struct Child {
  std::string role;
  int rank = 0;
  std::vector<std::string> argv;
  std::string log;
  pid_t pid = -1;
  Clock::time_point started{};
  Clock::time_point restart_at{};
  std::optional<RestartPolicy> restarts{};  // set by runTrain for every child but the learner
};

// The last `n` lines of a log file ("" when it cannot be read), each indented.
std::string lastLines(const std::string& path, std::size_t n) {
  std::ifstream in(path);
  std::deque<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(std::move(line));
    if (lines.size() > n) lines.pop_front();
  }
  std::string out;
  for (const auto& l : lines) out += "    " + l + "\n";
  return out;
}

pid_t spawn(const Child& c) {
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) throw Error(StatusCode::kInternal, std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    // Children die with the launcher (a SIGKILLed launcher leaves no orphans behind).
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(1);
    const int fd = open(c.log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
    }
    std::vector<char*> args;
    for (const auto& a : c.argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());  // PATH search: the local LLM server starts as `nice ...`
    std::fprintf(stderr, "spur train: cannot execute %s: %s\n", args[0], std::strerror(errno));
    _exit(127);
  }
  return pid;
}

std::string describeStatus(int status) {
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("killed by signal ") + strsignal(WTERMSIG(status));
  return "stopped";
}

void validateBeforeLaunch(const std::string& file, const std::vector<std::string>& overrides, const SpurConfig& c) {
  config::Source source{file, {}};
  for (const auto& o : overrides) source.overridden.insert(o.substr(0, o.find('=')));
  // Every message starts with the key it is about: blame the override that set it, if any.
  auto fail = [&](const std::string& what) {
    const std::string key = what.substr(0, what.find_first_not_of("abcdefghijklmnopqrstuvwxyz_.0123456789"));
    throw Error(StatusCode::kInvalidArgument, source.where(key) + ": " + what);
  };
  if (c.actors.processes < 1) fail("actors.processes must be at least 1");
  if (c.learner.world_size < 1) fail("learner.world_size must be at least 1");
  try {
    checkLearnerDevice(c.learner.device);
  } catch (const Error& e) {
    fail(e.what());
  }
  if (c.actors.processes < c.learner.world_size)
    fail("actors.processes (" + std::to_string(c.actors.processes) + ") must be at least learner.world_size (" + std::to_string(c.learner.world_size) +
         "): actor i feeds learner rank i % world_size");
  if (c.learner.world_size > 1 && c.actors.processes % c.learner.world_size != 0)
    spdlog::warn("{}: actors.processes ({}) is not a multiple of learner.world_size ({}): the ranks step together, at the pace of the rank with the fewest actors",
                 file, c.actors.processes, c.learner.world_size);
  for (int r = 1; r < c.learner.world_size; ++r) {
    try {
      rankAddress(c.transport.unroll_address, r);
      rankAddress(c.transport.messages_address, r);
    } catch (const Error& e) {
      fail(std::string("transport: ") + e.what());
    }
  }
  if (c.actors.envs_per_process < 1) fail("actors.envs_per_process must be at least 1");
  if (c.actors.policy == ActorPolicy::kLlm) fail("actors.policy: llm plays through `spur eval --policy llm` (baselines and evaluation), not in training actors");
  if (c.learner.rollout < 1) fail("learner.rollout must be at least 1");
  if (c.learner.lr_schedule == LrSchedule::kLinear && c.run.total_frames <= 0)
    fail("learner.lr_schedule: linear decays to 0 at run.total_frames, which is 0 (never); set run.total_frames");
  if (c.run.max_failures_in_a_row < 0) fail("run.max_failures_in_a_row must be >= 0 (0: restart forever)");
  const int64_t unroll = c.learner.rollout * c.actors.envs_per_process;
  if (c.learner.batch_size < unroll || c.learner.batch_size % unroll != 0)
    fail("learner.batch_size (" + std::to_string(c.learner.batch_size) + ") must be a multiple of learner.rollout x actors.envs_per_process (" + std::to_string(unroll) + ")");
  if (c.model.core != "gru" && c.model.core != "lstm") fail("model.core: unknown '" + c.model.core + "' (valid: gru, lstm)");
  const RewardType r = c.reward.type;
  const std::string r_name(enumName(r));
  if (r != RewardType::kNone && c.reward.int_coeff == 0) fail("reward.int_coeff is 0: reward.type '" + r_name + "' would have no effect (ONI's llm_reward_coeff must be > 0)");
  if (r != RewardType::kNone) {
    try {
      makeRewardModel(c.reward, c.run.seed);  // names the bad reward.* key
    } catch (const Error& e) {
      fail(e.what());
    }
  }
  if (usesLlm(r)) {
    makeLabelBackend(c.llm);  // names the bad llm.* key
    const auto prompt = loadPromptTemplate(resolveSourcePath(c.llm.prompts_dir), c.llm.prompt);
    const bool pairs = r == RewardType::kRanking;
    if ((prompt.kind == TemplateKind::kRanking) != pairs)
      fail("llm.prompt '" + c.llm.prompt + "' is a " + (pairs ? "classification" : "ranking") + " template, reward.type '" + r_name + "' needs a " +
           (pairs ? "ranking (rank_*)" : "classification (classify_*)") + " one");
  }
}

struct TrainArgs {
  std::string config;
  std::vector<std::string> overrides;
  bool print_commands = false;
};

int runTrain(const TrainArgs& args) {
  // Everything that can be wrong with the YAML fails here, before any process starts.
  SpurConfig cfg = config::load<SpurConfig>(args.config, args.overrides);
  if (cfg.run.name.empty()) cfg.run.name = fs::path(args.config).stem().string();
  const fs::path run_dir = fs::path(cfg.run.dir) / cfg.run.name;
  if (cfg.transport.unroll_address == "auto") cfg.transport.unroll_address = autoAddress(run_dir, "unroll");
  if (cfg.transport.params_address == "auto") cfg.transport.params_address = autoAddress(run_dir, "params");
  if (cfg.transport.llm_address == "auto") cfg.transport.llm_address = autoAddress(run_dir, "llm");
  if (cfg.transport.messages_address == "auto") cfg.transport.messages_address = autoAddress(run_dir, "messages");
  if (cfg.learner.world_size > 1 && cfg.learner.dist_address == "auto") cfg.learner.dist_address = "127.0.0.1:" + std::to_string(freeLocalPort());
  if (cfg.transport.rewards_address == "auto") cfg.transport.rewards_address = autoAddress(run_dir, "rewards");
  // Check what the roles would reject, so that errors name the key before launch. The env
  // is built once, not only described: a missing game library shows here, not in an actor.
  prepareEnv(cfg.env);
  makeEnv(cfg.env, 1 << 21);
  validateBeforeLaunch(args.config, args.overrides, cfg);
  // A self-contained run serves its own LLM: llama.cpp on a free local port, reached
  // through the same openai backend as a remote vLLM.
  std::vector<std::string> local_llm_argv;
  if (usesLlm(cfg.reward.type) && cfg.llm.backend == "openai" && !cfg.llm.local_server.model.empty()) {
    try {
      const std::string python = projectPython();
      const std::string gguf = resolveLocalModel(cfg.llm.local_server, python);
      const int port = freeLocalPort();
      cfg.llm.openai.url = "http://127.0.0.1:" + std::to_string(port);
      local_llm_argv = localServerCommand(cfg.llm.local_server, python, gguf, cfg.llm.openai.model, port);
      // llama-cpp-python's server answers one request at a time and finishes a request whose
      // client timed out: a call of 16 chat requests queued behind each other outlasted the
      // timeout on a busy machine, every request was asked again, and the server spent its
      // time on answers nobody read (no label in 5 minutes). One item per call, two calls in
      // flight: the server never idles and nothing waits behind more than one request.
      if (cfg.llm.batch_size != 1 || cfg.llm.concurrency > 2)
        spdlog::info("spur train: the local LLM server answers one request at a time: llm.batch_size {} -> 1, llm.concurrency {} -> {}",
                     cfg.llm.batch_size, cfg.llm.concurrency, std::min<int64_t>(cfg.llm.concurrency, 2));
      cfg.llm.batch_size = 1;
      cfg.llm.concurrency = std::min<int64_t>(cfg.llm.concurrency, 2);
    } catch (const Error& e) {
      throw Error(e.status().code(), args.config + ": " + e.status().message());
    }
  }
  const bool resuming = fs::exists(run_dir / "checkpoints" / "latest");
  fs::create_directories(run_dir / "logs");
  runCurveKeys(cfg, run_dir, true);
  {
    YAML::Emitter out;
    out << config::encode(cfg);
    // Roles (and a restarted role during a rerun) read it at any time: never half written.
    writeFileAtomically(run_dir / "config.yaml", std::string("# Resolved by spur train; roles read this file.\n") + out.c_str() + "\n");
  }

  const std::string exe = selfExe();
  std::vector<Child> children;
  for (int r = 0; r < cfg.learner.world_size; ++r)  // rank 0 first: its log is the progress shown
    children.push_back({"learner", r, {exe, "learner", "--run-dir", run_dir.string(), "--rank", std::to_string(r)},
                        (run_dir / "logs" / ("learner-" + std::to_string(r) + ".log")).string()});
  for (int i = 0; i < cfg.actors.processes; ++i)
    children.push_back({"actor", i, {exe, "actor", "--run-dir", run_dir.string(), "--rank", std::to_string(i)},
                        (run_dir / "logs" / ("actor-" + std::to_string(i) + ".log")).string()});
  if (usesLlm(cfg.reward.type))
    children.push_back({"llm_server", 0, {exe, "llm-server", "--run-dir", run_dir.string()}, (run_dir / "logs" / "llm_server-0.log").string()});
  if (!local_llm_argv.empty()) children.push_back({"llama_server", 0, local_llm_argv, (run_dir / "logs" / "llama_server-0.log").string()});
  if (cfg.reward.type != RewardType::kNone)
    children.push_back({"reward_learner", 0, {exe, "reward-learner", "--run-dir", run_dir.string()}, (run_dir / "logs" / "reward_learner-0.log").string()});
  if (args.print_commands) {
    std::printf("# run directory %s (config.yaml written); start these, on any hosts that share it:\n", run_dir.c_str());
    for (const auto& c : children) std::printf("%s\n", shellCommandLine(c.argv).c_str());
    return 0;
  }

  for (auto& c : children)
    if (c.role != "learner") c.restarts.emplace(cfg.actors.restart_backoff_s, cfg.actors.restart_backoff_max_s, static_cast<int>(cfg.run.max_failures_in_a_row));
  installStopHandlers();
  std::printf("spur train: run %s%s; logs in %s; tensorboard --logdir %s\n", run_dir.c_str(), resuming ? " (resuming)" : "",
              (run_dir / "logs").c_str(), cfg.run.dir.c_str());
  std::fflush(stdout);
  // A resumed run appends to the learner's log: show only what this session adds.
  std::error_code size_error;
  const auto learner_log_start = fs::file_size(children[0].log, size_error);
  for (auto& c : children) {
    c.pid = spawn(c);
    c.started = Clock::now();
  }

  // Show the learner's progress lines.
  std::ifstream learner_log;
  std::string partial;
  auto relayProgress = [&] {
    if (!learner_log.is_open()) {
      learner_log.open(children[0].log);
      if (learner_log.is_open() && !size_error) learner_log.seekg(static_cast<std::streamoff>(learner_log_start));
    }
    if (!learner_log.is_open()) return;
    learner_log.clear();
    std::string line;
    while (std::getline(learner_log, line)) {
      if (learner_log.eof()) {  // an incomplete last line: keep it for later
        partial += line;
        break;
      }
      line = partial + line;
      partial.clear();
      if (line.find("progress:") != std::string::npos || line.find("resumed from") != std::string::npos ||
          line.find("[error]") != std::string::npos)
        std::printf("%s\n", line.c_str());
    }
    std::fflush(stdout);
  };

  int exit_code = 0;
  bool learner_done = false, given_up = false;
  while (!learner_done && !given_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    relayProgress();
    if (g_stop) break;
    int status = 0;
    for (pid_t pid; (pid = waitpid(-1, &status, WNOHANG)) > 0;) {
      for (auto& c : children) {
        if (c.pid != pid) continue;
        c.pid = -1;
        if (c.role == "learner") {
          // One rank ending ends the run: the others cannot update without it.
          learner_done = true;
          if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
            if (cfg.learner.world_size > 1)
              std::fprintf(stderr, "spur train: learner rank %d %s; stopping the other ranks (rank 0 writes a checkpoint; run spur train again to resume). Last lines of %s:\n%s",
                           c.rank, describeStatus(status).c_str(), c.log.c_str(), lastLines(c.log, 5).c_str());
            else
              std::fprintf(stderr, "spur train: the learner %s; see %s\n", describeStatus(status).c_str(), c.log.c_str());
            exit_code = 1;
          }
        } else {
          // A crashed actor, llm_server or reward learner is restarted with back-off while
          // the learner keeps training; one that keeps failing ends the run, reported once.
          const double ran = std::chrono::duration<double>(Clock::now() - c.started).count();
          const auto d = c.restarts->onExit(ran);
          if (d.give_up) {
            std::fprintf(stderr, "spur train: %s %d failed %d times in a row (last: %s); stopping the run. Last lines of %s:\n%s", c.role.c_str(), c.rank,
                         d.failures_in_a_row, describeStatus(status).c_str(), c.log.c_str(), lastLines(c.log, 15).c_str());
            exit_code = 1;
            given_up = true;
            continue;
          }
          c.restart_at = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(d.delay_s * 1000));
          std::fprintf(stderr, "spur train: %s %d %s; restarting in %.1f s (failure %d in a row; log %s)\n", c.role.c_str(), c.rank, describeStatus(status).c_str(),
                       d.delay_s, d.failures_in_a_row, c.log.c_str());
        }
      }
    }
    for (auto& c : children) {
      if (c.role != "learner" && c.pid < 0 && !learner_done && !given_up && Clock::now() >= c.restart_at) {
        c.pid = spawn(c);
        c.started = Clock::now();
      }
    }
  }

  // Shutdown: the learner first (it writes a checkpoint), then the actors.
  auto waitFor = [&](const std::string& role, double seconds) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
    while (Clock::now() < deadline) {
      bool alive = false;
      for (auto& c : children) {
        if (c.role != role || c.pid < 0) continue;
        int status = 0;
        if (waitpid(c.pid, &status, WNOHANG) == c.pid) c.pid = -1;
        else alive = true;
      }
      if (!alive) return;
      relayProgress();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    for (auto& c : children)
      if (c.role == role && c.pid > 0) {
        std::fprintf(stderr, "spur train: %s %d did not stop; killing it\n", role.c_str(), c.rank);
        kill(c.pid, SIGKILL);
        waitpid(c.pid, nullptr, 0);
        c.pid = -1;
      }
  };
  for (auto& c : children)
    if (c.role == "learner" && c.pid > 0) kill(c.pid, SIGTERM);
  waitFor("learner", 300);
  for (const char* role : {"actor", "reward_learner", "llm_server", "llama_server"}) {
    for (auto& c : children)
      if (c.role == role && c.pid > 0) kill(c.pid, SIGTERM);
    waitFor(role, 20);
  }
  relayProgress();
  if (g_stop) std::printf("spur train: stopped by %s; checkpoint in %s\n", strsignal(g_signal), (run_dir / "checkpoints").c_str());
  return exit_code;
}

int runLearnerCommand(const std::string& run_dir, int rank) {
  installStopHandlers();
  const SpurConfig cfg = loadRunConfig(run_dir);
  if (rank < 0 || rank >= cfg.learner.world_size)
    throw Error(StatusCode::kInvalidArgument, "--rank " + std::to_string(rank) + ": learner.world_size is " + std::to_string(cfg.learner.world_size));
  LearnerRoleOptions o;
  o.rank = rank;
  o.curve = runCurveKeys(cfg, run_dir, false);
  o.run = cfg.run;
  o.run_dir = run_dir;
  o.env = cfg.env;
  o.model = cfg.model;
  o.learner = cfg.learner;
  o.reward = cfg.reward;
  o.envs_per_actor = cfg.actors.envs_per_process;
  o.unroll_address = rankAddress(cfg.transport.unroll_address, rank);
  o.params_address = cfg.transport.params_address;
  o.unroll_hwm = cfg.transport.unroll_hwm;
  o.params_hwm = cfg.transport.params_hwm;
  o.messages_address = rankAddress(cfg.transport.messages_address, rank);
  o.rewards_address = cfg.transport.rewards_address;
  YAML::Emitter out;
  out << config::encode(cfg);
  o.resolved_config = out.c_str();
  return runLearner(o, g_stop);
}

int runActorCommand(const std::string& run_dir, int rank) {
  installStopHandlers();
  const SpurConfig cfg = loadRunConfig(run_dir);
  ActorRoleOptions o;
  o.curve = runCurveKeys(cfg, run_dir, false);
  o.env = cfg.env;
  o.model = cfg.model;
  o.actors = cfg.actors;
  o.rollout = cfg.learner.rollout;
  o.seed = cfg.run.seed;
  o.rank = rank;
  o.unroll_address = rankAddress(cfg.transport.unroll_address, rank % static_cast<int>(cfg.learner.world_size));
  o.params_address = cfg.transport.params_address;
  o.unroll_hwm = cfg.transport.unroll_hwm;
  return runActor(o, g_stop);
}

int runRewardLearnerCommand(const std::string& run_dir) {
  installStopHandlers();
  const SpurConfig cfg = loadRunConfig(run_dir);
  RewardLearnerRoleOptions o;
  o.curve = runCurveKeys(cfg, run_dir, false);
  o.reward = cfg.reward;
  o.prompt = cfg.llm.prompt;
  for (int r = 0; r < cfg.learner.world_size; ++r) o.messages_addresses.push_back(rankAddress(cfg.transport.messages_address, r));
  o.rewards_address = cfg.transport.rewards_address;
  o.llm_address = cfg.transport.llm_address;
  o.tb_dir = (fs::path(run_dir) / "tb" / "reward_learner").string();
  o.checkpoint_dir = (fs::path(run_dir) / "checkpoints" / "reward_model").string();
  o.checkpoint_interval_s = cfg.run.checkpoint_interval_s;
  o.request_items = std::max<int64_t>(cfg.reward.request_items, 1);
  o.max_requests_in_flight = std::max<int64_t>(cfg.reward.requests_in_flight, 1);
  o.report_interval_s = std::max(cfg.run.progress_interval_s, 1.0);
  o.seed = cfg.run.seed;
  return runRewardLearner(o, g_stop);
}

struct LlmServerArgs {
  std::string run_dir, config, address, store;
  std::vector<std::string> overrides;
};

// From a run directory (as spur train starts it) or standalone from a config.
int runLlmServerCommand(const LlmServerArgs& a) {
  installStopHandlers();
  if (a.run_dir.empty() == a.config.empty()) throw Error(StatusCode::kInvalidArgument, "llm-server: give either --run-dir or --config");
  const SpurConfig cfg = a.run_dir.empty() ? config::load<SpurConfig>(a.config, a.overrides) : loadRunConfig(a.run_dir);
  LlmServerRoleOptions o;
  o.llm = cfg.llm;
  o.prompts_dir = resolveSourcePath(cfg.llm.prompts_dir);
  if (!a.run_dir.empty()) {
    o.address = cfg.transport.llm_address;
    o.store_path = (fs::path(a.run_dir) / "labels.sqlite").string();
    o.tb_dir = (fs::path(a.run_dir) / "tb" / "llm_server").string();
    o.report_interval_s = std::max(cfg.run.progress_interval_s, 1.0);
    o.curve = runCurveKeys(cfg, a.run_dir, false);
  }
  if (!a.address.empty()) o.address = a.address;
  if (!a.store.empty()) o.store_path = a.store;
  if (o.address.empty() || o.address == "auto") throw Error(StatusCode::kInvalidArgument, "llm-server: --address is required with --config");
  if (o.store_path.empty()) throw Error(StatusCode::kInvalidArgument, "llm-server: --store is required with --config");
  return runLlmServer(o, g_stop);
}

}  // namespace

void addTrainCommands(CLI::App& app) {
  auto targs = std::make_shared<TrainArgs>();
  auto* train = app.add_subcommand("train", "Train: start the learner and the actors of CONFIG on this host and supervise them");
  train->add_option("CONFIG", targs->config, "Experiment YAML")->required()->check(CLI::ExistingFile);
  train->add_option("OVERRIDES", targs->overrides, "Config overrides a.b.c=value");
  train->add_flag("--print-commands", targs->print_commands, "Write the run directory and print each role's command instead of starting them");
  train->callback([targs] { std::exit(runTrain(*targs)); });

  auto run_dir = std::make_shared<std::string>();
  auto learner_rank = std::make_shared<int>(0);
  auto* learner = app.add_subcommand("learner", "Learner role (started by spur train)");
  learner->add_option("--run-dir", *run_dir, "Run directory holding config.yaml")->required();
  learner->add_option("--rank", *learner_rank, "Learner rank, 0 .. learner.world_size - 1 (default 0)");
  learner->callback([run_dir, learner_rank] { std::exit(runLearnerCommand(*run_dir, *learner_rank)); });

  auto actor_dir = std::make_shared<std::string>();
  auto rank = std::make_shared<int>(0);
  auto* actor = app.add_subcommand("actor", "Actor role (started by spur train)");
  actor->add_option("--run-dir", *actor_dir, "Run directory holding config.yaml")->required();
  actor->add_option("--rank", *rank, "Actor index")->required();
  actor->callback([actor_dir, rank] { std::exit(runActorCommand(*actor_dir, *rank)); });

  auto rl_dir = std::make_shared<std::string>();
  auto* rl = app.add_subcommand("reward-learner", "Reward learner role (started by spur train)");
  rl->add_option("--run-dir", *rl_dir, "Run directory holding config.yaml")->required();
  rl->callback([rl_dir] { std::exit(runRewardLearnerCommand(*rl_dir)); });

  auto key_prefix = std::make_shared<std::string>();
  auto* keys = app.add_subcommand("curve-keys", "Write a CURVE key pair PREFIX.pub / PREFIX.key (transport.curve: add PREFIX.pub to a run's curve/allowlist)");
  keys->add_option("PREFIX", *key_prefix, "Path prefix of the two files")->required();
  keys->callback([key_prefix] {
    writeCurveKeyPair(*key_prefix);
    std::printf("%s.pub, %s.key written\n", key_prefix->c_str(), key_prefix->c_str());
    std::exit(0);
  });

  auto largs = std::make_shared<LlmServerArgs>();
  auto* llm = app.add_subcommand("llm-server", "LLM annotation server role (started by spur train, or standalone with --config)");
  llm->add_option("--run-dir", largs->run_dir, "Run directory holding config.yaml");
  llm->add_option("--config", largs->config, "Standalone: experiment YAML whose `llm` section is used");
  llm->add_option("--address", largs->address, "ROUTER address to bind, e.g. tcp://127.0.0.1:5600");
  llm->add_option("--store", largs->store, "SQLite label store");
  llm->add_option("OVERRIDES", largs->overrides, "Config overrides a.b.c=value (with --config)");
  llm->callback([largs] { std::exit(runLlmServerCommand(*largs)); });
}

}  // namespace spur
