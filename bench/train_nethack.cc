// bench/train_nethack: training throughput of spur on NetHack, and what spur's actor
// costs on top of the bare env loop, measured in one run on this machine.
//   (a) `spur train` on a NetHackScore config for --seconds: training frames/s (frames
//       the learner consumed / wall time), with the network's parameters and MACs/step
//   (b) the bare env loop: B NetHackEnvs stepped with uniform random actions, one thread
//   (c) spur's actor with a random policy (actors.policy=random): the same B envs, unroll
//       building, serialisation and PUSH to a draining PULL, one thread
// (b) and (c) are frames per second of the stepping thread's CPU time, so that other
// processes on a shared machine do not move them; ZeroMQ's I/O thread is not counted.
// RESULT actor_overhead = 1 - (c)/(b). The sample-factory 2.1.1 comparison of the issue
// is not part of this bench yet (see the closing note of issue 3).
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
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <thread>

#include "actors/actor.h"
#include "core/schema/spur.capnp.h"
#include "core/status.h"
#include "core/transport.h"
#include "envs/env_factory.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
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
  spur::EnvOptions e;
  e.name = "nethack";
  e.nethack.task = "OniScore";
  e.nethack.observation_keys = {"chars", "colors", "blstats", "message"};
  return e;
}

double envLoop(int64_t B, double seconds) {
  std::vector<std::unique_ptr<spur::Env>> envs;
  for (int64_t b = 0; b < B; ++b) envs.push_back(spur::makeEnv(nethackScore(), static_cast<int>(b)));
  std::mt19937_64 rng(1);
  for (auto& e : envs) e->reset(rng());
  const int64_t A = envs[0]->actionSpace().size();
  int64_t frames = 0;
  const auto start = Clock::now();
  const double cpu0 = threadCpuSeconds(pthread_self());
  while (Clock::now() - start < std::chrono::duration<double>(seconds)) {
    for (auto& e : envs) {
      if (e->step(static_cast<int64_t>(rng() % static_cast<uint64_t>(A))).done) e->reset(rng());
      ++frames;
    }
  }
  return static_cast<double>(frames) / (threadCpuSeconds(pthread_self()) - cpu0);
}

double actorLoop(int64_t B, double seconds) {
  const std::string base = "ipc:///tmp/spur-bench-" + std::to_string(getpid());
  zmq::context_t ctx(1);
  auto pull = spur::MessageSocket::bind(ctx, spur::SocketKind::kPull, base + "-unroll.sock");
  auto pub = spur::MessageSocket::bind(ctx, spur::SocketKind::kPub, base + "-params.sock");
  spur::ActorRoleOptions o;
  o.env = nethackScore();
  o.actors.envs_per_process = B;
  o.actors.policy = "random";
  o.rollout = 32;
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
  return static_cast<double>(last - first) / (cpu1 - cpu0);
}

struct TrainResult {
  double fps = 0;
  std::string model;
};

TrainResult trainRun(const std::string& spur, const std::string& config, double seconds) {
  const fs::path dir = fs::temp_directory_path() / ("spur-bench-train-" + std::to_string(getpid()));
  fs::remove_all(dir);
  std::vector<std::string> args{spur, "--log-level", "warn", "train", config, "run.dir=" + dir.string(), "run.name=bench", "run.total_frames=0"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  if (posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ) != 0) throw spur::Error(spur::StatusCode::kInternal, "cannot start " + spur);
  posix_spawn_file_actions_destroy(&fa);
  // Time from the first training progress on, so that start-up is not counted.
  const fs::path log = dir / "bench" / "logs" / "learner-0.log";
  const std::regex re("progress: frames ([0-9]+)");
  auto framesNow = [&]() -> int64_t {
    std::ifstream in(log);
    std::string line;
    int64_t f = -1;
    std::smatch m;
    while (std::getline(in, line))
      if (std::regex_search(line, m, re)) f = std::stoll(m[1]);
    return f;
  };
  int64_t f0 = -1;
  auto t0 = Clock::now();
  while ((f0 = framesNow()) <= 0 && Clock::now() - t0 < 600s) std::this_thread::sleep_for(200ms);
  t0 = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const int64_t f1 = framesNow();
  const double dt = std::chrono::duration<double>(Clock::now() - t0).count();
  kill(pid, SIGINT);
  waitpid(pid, nullptr, 0);
  TrainResult r;
  r.fps = static_cast<double>(f1 - f0) / dt;
  std::ifstream in(log);
  std::string line;
  while (std::getline(in, line))
    if (line.find("learner: model") != std::string::npos) r.model = line.substr(line.find("learner: model") + 9);
  fs::remove_all(dir);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"spur training frames/s on NetHack and the actor's overhead over the bare env loop"};
  double seconds = 8, train_seconds = 60;
  int64_t envs = 16;
  std::string config = std::string(SPUR_BENCH_REPO) + "/configs/nethack_score.yaml";
  std::string spur = std::string(SPUR_BENCH_BINARY);
  int rounds = 3;
  app.add_option("--seconds", seconds, "Seconds for each run of (b) and (c)")->capture_default_str();
  app.add_option("--rounds", rounds, "Alternating rounds of (b) and (c); medians are shown")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--train-seconds", train_seconds, "Seconds of training for (a)")->capture_default_str();
  app.add_option("--envs", envs, "B: envs per loop/actor")->capture_default_str();
  app.add_option("--config", config, "Training config for (a)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    std::printf("bench train_nethack: OniScore, %ld envs per actor, %d rounds x %.0f s per loop (medians), %.0f s of training\n", envs, rounds,
                seconds, train_seconds);
    const TrainResult t = trainRun(spur, config, train_seconds);
    // Alternate (b) and (c) so that a noisy neighbour hurts both alike. The overhead is the
    // median over rounds of 1 - c/b of the two adjacent runs; the table shows medians.
    std::vector<double> env_runs, actor_runs, overheads;
    for (int r = 0; r < rounds; ++r) {
      env_runs.push_back(envLoop(envs, seconds));
      actor_runs.push_back(actorLoop(envs, seconds));
      overheads.push_back(1.0 - actor_runs.back() / env_runs.back());
      std::printf("round %d: env loop %.0f, actor %.0f frames/s, overhead %.3f\n", r + 1, env_runs.back(), actor_runs.back(), overheads.back());
    }
    auto median = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      return v[v.size() / 2];
    };
    const double env_fps = median(env_runs), actor_fps = median(actor_runs), overhead = median(overheads);
    std::printf("\n%-58s %12s\n", "mode", "frames/s");  // (b), (c): per CPU-second of the stepping thread
    std::printf("%-58s %12.0f\n", "(a) spur train, configs/nethack_score.yaml (2 actors)", t.fps);
    std::printf("%-58s %12.0f\n", "(b) bare env loop, 1 thread (per CPU second)", env_fps);
    std::printf("%-58s %12.0f\n", "(c) spur actor, random policy (per CPU second)", actor_fps);
    std::printf("model of (a):%s\n", t.model.c_str());
    std::printf("\nRESULT actor_overhead=%.3f\n", overhead);
  } catch (const spur::Error& e) {
    std::fprintf(stderr, "bench train_nethack: %s\n", e.what());
    return 1;
  }
  return 0;
}
