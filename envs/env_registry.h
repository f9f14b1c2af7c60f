// EnvOptions and the env registry: the YAML section `env` and the one place envs are built
// by name. Each env registers itself from its own .cc file (SPUR_REGISTER_ENV), so adding an
// env touches no generic file; spur_envs is linked whole so that registrations are kept.
//
//   env:
//     name: nethack          # which env
//     nethack: {task: ...}   # each env's own section, decoded by that env only
//     chain: {length: 8}
//
// Thread-safety: registration happens during static initialisation; lookups afterwards
// are read-only and may run on any thread.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "envs/env.h"

namespace spur {

struct EnvOptions {
  // Which environment (a registered name). Default: nethack.
  std::string name = "nethack";
  // Every other key of `env`: one section per environment, decoded by the env itself.
  config::Sections sections;

  template <class B>
  void bind(B& b) {
    b.field("name", name);
    b.rest(sections);
  }
};

struct EnvRegistration {
  std::string name;
  std::string summary;  // one line for `--help` and error messages
  // The spec from the options alone: validates the env's section (errors name the key
  // path) without building an env or loading its libraries.
  std::function<EnvSpec(const EnvOptions&)> spec;
  // Env number `instance` of a process (distinguishes e.g. ttyrec file names).
  std::function<std::unique_ptr<Env>(const EnvOptions&, int instance)> make;
  // Optional: one-time work before any env of a run is built, done by the launcher (spur
  // train, spur eval) and never by actors: e.g. ALFWorld generating its games when its data
  // directory is empty. Must be idempotent.
  std::function<void(const EnvOptions&)> prepare = {};
};

// Adds an env; returns true (for a static initialiser). Aborts on a duplicate name.
bool registerEnv(EnvRegistration registration);
// The registered names, sorted.
std::vector<std::string> registeredEnvNames();

// Throws Error naming env.name and the valid names for an unknown env, or the env's own
// error for bad options.
EnvSpec envSpec(const EnvOptions& options);
std::unique_ptr<Env> makeEnv(const EnvOptions& options, int instance);
// Runs the env's prepare hook, if it has one.
void prepareEnv(const EnvOptions& options);

// The env's own section of `options` (env.<name>) as its options struct T.
template <class T>
T envSection(const EnvOptions& options, const std::string& name) {
  return config::decodeSection<T>(options.sections, name);
}

}  // namespace spur

#define SPUR_ENV_CONCAT_INNER(a, b) a##b
#define SPUR_ENV_CONCAT(a, b) SPUR_ENV_CONCAT_INNER(a, b)
// At namespace scope in the env's .cc: SPUR_REGISTER_ENV({"name", "summary", specFn, makeFn});
#define SPUR_REGISTER_ENV(...) \
  [[maybe_unused]] static const bool SPUR_ENV_CONCAT(spur_env_registered_, __LINE__) = ::spur::registerEnv(::spur::EnvRegistration __VA_ARGS__)
