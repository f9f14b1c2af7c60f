#include "envs/env_factory.h"

#include "core/status.h"

namespace spur {

std::unique_ptr<Env> makeEnv(const EnvOptions& options, int instance) {
  if (options.name == "nethack") return std::make_unique<NetHackEnv>(options.nethack, instance);
  if (options.name == "chain") return std::make_unique<ChainEnv>(options.chain);
  throw Error(StatusCode::kInvalidArgument, "unknown env.name '" + options.name + "' (valid: nethack, chain)");
}

}  // namespace spur
