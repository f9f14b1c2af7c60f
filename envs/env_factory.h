// EnvOptions and makeEnv: the YAML section `env` and the one place envs are built by name.
#pragma once

#include <memory>
#include <string>

#include "envs/env.h"
#include "envs/nethack/nethack_env.h"
#include "envs/toy/chain_env.h"

namespace spur {

struct EnvOptions {
  // Which environment: nethack or chain (the toy). Default: nethack.
  std::string name = "nethack";
  NetHackOptions nethack;
  ChainOptions chain;

  template <class B>
  void bind(B& b) {
    b.field("name", name);
    b.field("nethack", nethack);
    b.field("chain", chain);
  }
};

// Builds env number `instance` (used in ttyrec names). Throws Error for an unknown name.
std::unique_ptr<Env> makeEnv(const EnvOptions& options, int instance);

}  // namespace spur
