#include "envs/env_registry.h"

#include <algorithm>
#include <map>

#include "core/config.h"
#include "core/status.h"

namespace spur {
namespace {

// A function-local static: registrations run during static initialisation of other
// translation units, in an order the language leaves open.
std::map<std::string, EnvRegistration>& registry() {
  static std::map<std::string, EnvRegistration> envs;
  return envs;
}

const EnvRegistration& find(const EnvOptions& options) {
  const auto& envs = registry();
  auto it = envs.find(options.name);
  if (it == envs.end()) {
    std::string valid;
    for (const auto& [name, _] : envs) valid += (valid.empty() ? "" : ", ") + name;
    config::detail::fail(options.sections.source, "env.name", "unknown env '" + options.name + "' (valid: " + valid + ")");
  }
  // A section no env owns is a typo (env.nethak), not something to ignore silently.
  for (const auto& kv : options.sections.map) {
    const std::string key = kv.first.as<std::string>();
    if (!envs.count(key)) {
      std::string valid = "name";
      for (const auto& [name, _] : envs) valid += ", " + name;
      config::detail::fail(options.sections.source, "env." + key, "unknown key (valid keys: " + valid + ")");
    }
  }
  return it->second;
}

}  // namespace

bool registerEnv(EnvRegistration registration) {
  const std::string name = registration.name;
  SPUR_CHECK(!registry().count(name), "env '" + name + "' registered twice");
  registry().emplace(name, std::move(registration));
  return true;
}

std::vector<std::string> registeredEnvNames() {
  std::vector<std::string> names;
  for (const auto& [name, _] : registry()) names.push_back(name);
  return names;
}

EnvSpec envSpec(const EnvOptions& options) { return find(options).spec(options); }

std::unique_ptr<Env> makeEnv(const EnvOptions& options, int instance) { return find(options).make(options, instance); }

void prepareEnv(const EnvOptions& options) {
  const EnvRegistration& r = find(options);
  if (r.prepare) r.prepare(options);
}

}  // namespace spur
