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

}  // namespace spur
