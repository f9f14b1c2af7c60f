#include "core/atomic_file.h"

#include <doctest/doctest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/status.h"

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("atomic file: processes writing one path at once each land whole, and no temporary file is left") {
  const fs::path dir = fs::temp_directory_path() / ("spur-atomic-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path path = dir / "summary.json";
  constexpr int kWriters = 6;
  std::vector<pid_t> pids;
  for (int w = 0; w < kWriters; ++w) {
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      const std::string content(200000, static_cast<char>('a' + w));
      for (int i = 0; i < 40; ++i) spur::writeFileAtomically(path, content);
      _exit(0);
    }
    pids.push_back(pid);
  }
  for (pid_t pid : pids) {
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  const std::string got = slurp(path);
  REQUIRE(got.size() == 200000);
  CHECK(got == std::string(200000, got[0]));  // one writer's bytes, not a mix
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += e.is_regular_file();
  CHECK(files == 1);
  fs::remove_all(dir);
}

TEST_CASE("atomic file: a write the disk refuses keeps the old file and names the path") {
  const fs::path dir = fs::temp_directory_path() / ("spur-atomic-full-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path path = dir / "config.yaml";
  spur::writeFileAtomically(path, "old: 1\n");
  struct rlimit old {};
  REQUIRE(getrlimit(RLIMIT_FSIZE, &old) == 0);
  signal(SIGXFSZ, SIG_IGN);
  struct rlimit full = old;
  full.rlim_cur = 1000;  // stands in for a full disk
  REQUIRE(setrlimit(RLIMIT_FSIZE, &full) == 0);
  const std::string expected = path.string() + ": cannot write";
  CHECK_THROWS_WITH_AS(spur::writeFileAtomically(path, std::string(5000, 'x')), doctest::Contains(expected.c_str()), spur::Error);
  REQUIRE(setrlimit(RLIMIT_FSIZE, &old) == 0);
  signal(SIGXFSZ, SIG_DFL);
  CHECK(slurp(path) == "old: 1\n");
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += e.is_regular_file();
  CHECK(files == 1);
  fs::remove_all(dir);
}
