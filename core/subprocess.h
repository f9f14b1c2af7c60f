// Subprocess: run a program and capture what it prints.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace spur {

struct SubprocessResult {
  int exit_code = -1;   // the program's exit status; 128+N when killed by signal N
  std::string output;   // everything it wrote to stdout (stderr is passed through)
};

// Runs argv[0] (searched in PATH) with argv, waits for it, returns its exit code and
// stdout. Returns NotFound when the program cannot be started. Blocks the caller.
Status runSubprocess(const std::vector<std::string>& argv, SubprocessResult* result);

// `argument` as one word of a POSIX shell command line: unchanged when it holds only
// characters no shell treats specially, else in single quotes (a quote inside as '\'').
std::string shellQuote(const std::string& argument);
// argv as a shell command line that runs exactly argv (each word shellQuote'd).
std::string shellCommandLine(const std::vector<std::string>& argv);

// A program running beside the caller (a local server for an evaluation or a benchmark), its
// stdout and stderr in `log`. The destructor sends SIGTERM and reaps it. Error(kInternal) when
// fork fails; a program that cannot be executed exits with 127 (see alive()).
class BackgroundProcess {
 public:
  BackgroundProcess(const std::vector<std::string>& argv, const std::string& log);
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;
  // Whether it is still running.
  bool alive() const;

 private:
  int pid_ = -1;
};

}  // namespace spur
