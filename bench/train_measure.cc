#include "bench/train_measure.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>

#include "core/status.h"

extern char** environ;

namespace spur::bench {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

int64_t lastFrames(const fs::path& file, const std::regex& re) {
  std::ifstream in(file);
  std::string line;
  int64_t frames = -1;
  std::smatch m;
  while (std::getline(in, line))
    if (std::regex_search(line, m, re)) frames = std::stoll(m[1]);
  return frames;
}

TrainResult measureTraining(const std::vector<std::string>& args, const fs::path& output, const fs::path& progress_log, const std::regex& frames_re,
                            const std::regex& model_re, double warmup, double seconds) {
  std::vector<std::string> a = args;
  std::vector<char*> argv;
  for (auto& s : a) argv.push_back(s.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  pid_t pid;
  const int rc = posix_spawn(&pid, argv[0], &fa, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) throw spur::Error(spur::StatusCode::kInternal, "cannot start " + args[0] + ": " + std::strerror(rc));
  auto stop = [&] {
    kill(-pid, SIGINT);
    for (int i = 0; i < 600; ++i) {
      if (waitpid(pid, nullptr, WNOHANG) == pid) return;
      std::this_thread::sleep_for(100ms);
    }
    kill(-pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  };
  auto fail = [&](const std::string& what) {
    stop();
    throw spur::Error(spur::StatusCode::kInternal, args[0] + ": " + what + " (see " + output.string() + ")");
  };
  auto alive = [&] { return waitpid(pid, nullptr, WNOHANG) == 0; };
  auto nextLine = [&](int64_t after, Clock::time_point* at) {
    const auto deadline = Clock::now() + 600s;
    while (Clock::now() < deadline) {
      const int64_t f = lastFrames(progress_log, frames_re);
      if (f > after) {
        *at = Clock::now();
        return f;
      }
      if (!alive()) fail("stopped before the measurement ended");
      std::this_thread::sleep_for(200ms);
    }
    fail("no progress line for 600 s");
    return int64_t{0};
  };
  Clock::time_point t0, t1;
  nextLine(0, &t0);
  std::this_thread::sleep_for(std::chrono::duration<double>(warmup));
  const int64_t f0 = nextLine(lastFrames(progress_log, frames_re), &t0);
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const int64_t f1 = nextLine(lastFrames(progress_log, frames_re), &t1);
  stop();
  TrainResult r;
  r.fps = static_cast<double>(f1 - f0) / std::chrono::duration<double>(t1 - t0).count();
  for (const fs::path& file : {output, progress_log}) {
    std::ifstream in(file);
    std::string line;
    std::smatch m;
    while (std::getline(in, line))
      if (std::regex_search(line, m, model_re)) r.parameters = std::stoll(m[1]), r.macs = std::stoll(m[2]);
  }
  return r;
}

}  // namespace spur::bench
