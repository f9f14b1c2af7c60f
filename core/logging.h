// Logging: spur logs through spdlog. Call initLogging() once at process start; then use
// spdlog::info/warn/error anywhere. Log lines go to stderr and, when given, to a file.
#pragma once

#include <string>

#include "core/status.h"

namespace spur {

struct LoggingOptions {
  // One of trace, debug, info, warn, error, critical, off. Default: info.
  std::string level = "info";
  // Also append to this file when non-empty. Default: none.
  std::string file;
  // Process role shown in every line (e.g. "actor-3"). Default: "spur".
  std::string role = "spur";
};

// Replaces spdlog's default logger. Returns InvalidArgument for an unknown level and
// an IO error message (as kNotFound) when the file cannot be opened. Not thread-safe:
// call before starting threads.
Status initLogging(const LoggingOptions& options);

}  // namespace spur
