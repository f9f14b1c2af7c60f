// bench/train_nethack: training throughput of spur on NetHack against sample-factory 2.1.1,
// and what spur's actor costs on top of the bare env loop, measured in one run here.
//   (a) `spur train configs/nethack_score.yaml` on nle's NetHackScore-v0 task and actions
//       (env.nethack.task=Score, actions=task): training frames/s over --train-seconds
//   (b) sample-factory 2.1.1 on nle 1.2.0's NetHackScore-v0 with the same network, sizes,
//       observations and APPO hyperparameters (bench/sf_nethack.py; 2 workers x 16 envs,
//       as (a)'s 2 actors x 16 envs), in its own venv made by bench/sf_setup.sh
//   (c) the bare env loop: B NetHackEnvs stepped with uniform random actions, one thread
//   (d) spur's actor with a random policy (actors.policy=random): the same B envs, unroll
//       building, serialisation and PUSH to a draining PULL, one thread
// (a) and (b) read each system's own progress lines (frames so far) at the moment they are
// written, after a warm-up; parameters and MACs per step are what each system reports.
// (c) and (d) are frames per second of the stepping thread's CPU time, so that other
// processes on a shared machine do not move them; ZeroMQ's I/O thread is not counted.
// RESULT spur_vs_sf = (a)/(b), actor_overhead = 1 - (d)/(c), (c) and (d) pooled over rounds.
#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <pthread.h>
#include <time.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <thread>

#include "actors/actor.h"
#include "bench/train_measure.h"
#include "core/process_tuning.h"
#include "core/schema/spur.capnp.h"
#include "core/status.h"
#include "core/transport.h"
#include "envs/env_registry.h"


namespace {

namespace fs = std::filesystem;
using spur::bench::TrainResult;
using spur::bench::measureTraining;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// CPU time of one thread: immune to other processes taking the core away, which made
// wall-clock rates on this shared 2-core machine vary by +-30% between runs.
double threadCpuSeconds(pthread_t thread) {
  clockid_t id;
  pthread_getcpuclockid(thread, &id);
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

spur::EnvOptions nethackScore() {
  return spur::config::decode<spur::EnvOptions>(YAML::Load("{name: nethack, nethack: {task: OniScore, observation_keys: [chars, colors, blstats, message]}}"),
                                                spur::config::Source{"bench/train_nethack.cc", {}});
}

// The bare loop plays exactly the games of (d)'s actor (rank 0, seed 1): same env indices,
// same reset seeds, same random actions in the same order (actorSeeds), so that the two
// differ only by what the actor adds, not by which NetHack games they happen to play.
struct LoopRun {
  double frames = 0, cpu_seconds = 0;
  double rate() const { return frames / cpu_seconds; }
};

LoopRun envLoop(int64_t B, double seconds) {
  const spur::ActorSeeds seeds = spur::actorSeeds(1, 0);
  std::vector<std::unique_ptr<spur::Env>> envs;
  for (int64_t b = 0; b < B; ++b) envs.push_back(spur::makeEnv(nethackScore(), static_cast<int>(b)));
  std::mt19937_64 reset_rng(seeds.env_resets), action_rng(seeds.random_policy);
  for (auto& e : envs) e->reset(reset_rng());
  const int64_t A = envs[0]->actionSpace().size();
  std::uniform_int_distribution<int64_t> uniform(0, A - 1);
  std::vector<int64_t> actions(static_cast<std::size_t>(B));
  int64_t frames = 0;
  const auto start = Clock::now();
  const double cpu0 = threadCpuSeconds(pthread_self());
  while (Clock::now() - start < std::chrono::duration<double>(seconds)) {
    for (auto& a : actions) a = uniform(action_rng);
    for (std::size_t b = 0; b < envs.size(); ++b) {
      if (envs[b]->step(actions[b]).done) envs[b]->reset(reset_rng());
      ++frames;
    }
  }
  return {static_cast<double>(frames), threadCpuSeconds(pthread_self()) - cpu0};
}

LoopRun actorLoop(int64_t B, double seconds) {
  const std::string base = "ipc:///tmp/spur-bench-" + std::to_string(getpid());
  zmq::context_t ctx(1);
  auto pull = spur::MessageSocket::bind(ctx, spur::SocketKind::kPull, base + "-unroll.sock");
  auto pub = spur::MessageSocket::bind(ctx, spur::SocketKind::kPub, base + "-params.sock");
  spur::ActorRoleOptions o;
  o.env = nethackScore();
  o.actors.envs_per_process = B;
  o.actors.policy = spur::ActorPolicy::kRandom;
  o.rollout = 32;
  o.seed = 1;  // the games envLoop replays
  o.rank = 0;
  o.unroll_address = base + "-unroll.sock";
  o.params_address = base + "-params.sock";
  std::atomic<bool> stop{false};
  std::thread actor([&] { spur::runActor(o, stop); });
  // Drain: count frames from the first unroll on (the actor's set-up is not timed).
  uint64_t first = 0, last = 0;
  Clock::time_point t0{};
  double cpu0 = 0, cpu1 = 0;
  while (t0 == Clock::time_point{} || Clock::now() - t0 < std::chrono::duration<double>(seconds)) {
    auto m = pull.receive(1000ms);
    if (!m || !m->parse().isOk()) continue;
    const uint64_t f = m->root<spur::schema::Unroll>().getEnvFrames();
    // The actor thread has finished building and sending this unroll: read its CPU clock.
    const double cpu = threadCpuSeconds(actor.native_handle());
    if (t0 == Clock::time_point{}) t0 = Clock::now(), first = f, cpu0 = cpu;
    last = f;
    cpu1 = cpu;
  }
  stop = true;
  while (pull.receive(50ms)) {}  // let a blocked send finish
  actor.join();
  return {static_cast<double>(last - first), cpu1 - cpu0};
}

TrainResult spurRun(const std::string& spur, const std::string& config, const fs::path& dir, double warmup, double seconds) {
  return measureTraining({spur, "train", config, "run.dir=" + dir.string(), "run.name=bench", "run.total_frames=0", "reward.type=none", "env.nethack.task=Score",
                          "env.nethack.actions=task"},
                         dir / "spur.out", dir / "bench" / "logs" / "learner-0.log", std::regex("progress: frames ([0-9]+)"),
                         std::regex("with ([0-9]+) parameters, ([0-9]+) MACs per step"), warmup, seconds);
}

TrainResult sampleFactoryRun(const fs::path& dir, double warmup, double seconds) {
  const std::string repo = SPUR_BENCH_REPO;
  const int setup = std::system(("bash '" + repo + "/bench/sf_setup.sh'").c_str());
  if (setup != 0) throw spur::Error(spur::StatusCode::kInternal, "bench/sf_setup.sh failed: cannot install sample-factory 2.1.1 (run with --no-sf to skip it)");
  // sample-factory stops itself a while after the measurement, should SIGINT not reach it.
  const int limit = static_cast<int>(warmup + seconds) + 900;
  return measureTraining({repo + "/bench/.venv-sf/bin/python", repo + "/bench/sf_nethack.py", "--train_dir", (dir / "sf").string(), "--seconds",
                          std::to_string(limit)},
                         dir / "sf.out", dir / "sf.out", std::regex("Total num frames: ([0-9]+)"),
                         std::regex("model ([0-9]+) parameters, ([0-9]+) MACs per step"), warmup, seconds);
}

}  // namespace

int main(int argc, char** argv) {
  spur::reexecIfOpenBlasMisdetectsCpu(argv);
  CLI::App app{"spur training frames/s on NetHack vs sample-factory 2.1.1, and the actor's overhead over the bare env loop"};
  double seconds = 5, train_seconds = 60, warmup = 20;
  int64_t envs = 16;
  std::string config = std::string(SPUR_BENCH_REPO) + "/configs/nethack_score.yaml";
  std::string spur = std::string(SPUR_BENCH_BINARY);
  int rounds = 9;
  bool no_sf = false;
  app.add_option("--seconds", seconds, "Seconds for each run of (c) and (d)")->capture_default_str();
  app.add_option("--rounds", rounds, "Alternating rounds of (c) and (d), pooled")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--train-seconds", train_seconds, "Seconds of training measured for (a) and (b)")->capture_default_str();
  app.add_option("--warmup", warmup, "Seconds of training before (a) and (b) are measured")->capture_default_str();
  app.add_option("--envs", envs, "B: envs per loop/actor for (c) and (d)")->capture_default_str();
  app.add_option("--config", config, "spur's training config for (a)")->capture_default_str();
  app.add_flag("--no-sf", no_sf, "Skip (b), sample-factory (needs a ~3 GB download the first time)");
  CLI11_PARSE(app, argc, argv);
  const fs::path dir = fs::temp_directory_path() / ("spur-bench-train-" + std::to_string(getpid()));
  try {
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::printf("bench train_nethack: NetHackScore-v0, %.0f s warm-up + %.0f s of training each; %ld envs per loop, %d rounds x %.0f s per loop (pooled)\n",
                warmup, train_seconds, envs, rounds, seconds);
    std::fflush(stdout);
    const TrainResult a = spurRun(spur, config, dir, warmup, train_seconds);
    TrainResult b;
    if (!no_sf) b = sampleFactoryRun(dir, warmup, train_seconds);
    // Alternate (c) and (d) so that a noisy neighbour hurts both alike; single rounds still
    // scatter by +-20% here, so the result pools all rounds: frames over CPU seconds.
    LoopRun env_total, actor_total;
    for (int r = 0; r < rounds; ++r) {
      const LoopRun e = envLoop(envs, seconds), a = actorLoop(envs, seconds);
      env_total.frames += e.frames, env_total.cpu_seconds += e.cpu_seconds;
      actor_total.frames += a.frames, actor_total.cpu_seconds += a.cpu_seconds;
      std::printf("round %d: env loop %.0f, actor %.0f frames/s, overhead %.3f\n", r + 1, e.rate(), a.rate(), 1.0 - a.rate() / e.rate());
      std::fflush(stdout);
    }
    const double env_fps = env_total.rate(), actor_fps = actor_total.rate(), overhead = 1.0 - actor_fps / env_fps;
    std::printf("\n%-62s %10s %11s %11s %7s\n", "mode", "frames/s", "parameters", "MACs/step", "ratio");
    std::printf("%-62s %10.0f %11ld %11ld %7.2f\n", "(a) spur train, nethack_score.yaml on Score (2 actors x 16 envs)", a.fps, a.parameters, a.macs, no_sf ? 1.0 : a.fps / b.fps);
    if (!no_sf)
      std::printf("%-62s %10.0f %11ld %11ld %7.2f\n", "(b) sample-factory 2.1.1, same model (2 workers x 16 envs)", b.fps, b.parameters, b.macs, 1.0);
    std::printf("%-62s %10.0f %11s %11s %7.2f\n", "(c) bare env loop, 1 thread (per CPU second)", env_fps, "", "", 1.0);
    std::printf("%-62s %10.0f %11s %11s %7.2f\n", "(d) spur actor, random policy (per CPU second)", actor_fps, "", "", actor_fps / env_fps);
    if (!no_sf && (a.parameters != b.parameters || a.macs != b.macs)) std::printf("note: the two models differ in size\n");
    if (no_sf) std::printf("\nRESULT spur_vs_sf=n/a actor_overhead=%.3f\n", overhead);
    else std::printf("\nRESULT spur_vs_sf=%.2f actor_overhead=%.3f\n", a.fps / b.fps, overhead);
  } catch (const spur::Error& e) {
    std::fprintf(stderr, "bench train_nethack: %s\n", e.what());
    return 1;
  }
  fs::remove_all(dir);
  return 0;
}
