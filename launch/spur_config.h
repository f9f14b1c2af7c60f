// SpurConfig: the whole experiment YAML. Every role reads its own section and the shared
// ones; see README "Configuration" for the keys and their defaults.
#pragma once

#include <string>

#include "envs/nethack/nethack_env.h"

namespace spur {

struct RunOptions {
  // Run name; the run lives in <dir>/<name>. Default: the config file's base name.
  std::string name;
  // Parent folder of runs. Default: runs.
  std::string dir = "runs";
  // Log level: trace, debug, info, warn, error. Default: info.
  std::string log_level = "info";

  template <class B>
  void bind(B& b) {
    b.field("name", name);
    b.field("dir", dir);
    b.field("log_level", log_level);
  }
};

struct EnvOptions {
  // Which environment: nethack. Default: nethack.
  std::string name = "nethack";
  NetHackOptions nethack;

  template <class B>
  void bind(B& b) {
    b.field("name", name);
    b.field("nethack", nethack);
  }
};

struct SpurConfig {
  RunOptions run;
  EnvOptions env;

  template <class B>
  void bind(B& b) {
    b.field("run", run);
    b.field("env", env);
  }
};

}  // namespace spur
