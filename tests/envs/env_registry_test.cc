// The env registry: envs found by name, specs known without building an env, errors that
// name the key and the valid choices.
#include "envs/env_registry.h"

#include <doctest/doctest.h>

#include <algorithm>

namespace {

// `yaml` is the env section of an experiment file.
struct Experiment {
  spur::EnvOptions env;
  template <class B> void bind(B& b) { b.field("env", env); }
};
spur::EnvOptions parse(const std::string& yaml) { return spur::config::decode<Experiment>(YAML::Load("{env: " + yaml + "}"), {"exp.yaml", {}}).env; }

std::string errorOf(const spur::EnvOptions& o) {
  try {
    spur::envSpec(o);
  } catch (const spur::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("env registry: every env registers itself and describes itself without being built") {
  const auto names = spur::registeredEnvNames();
  CHECK(std::find(names.begin(), names.end(), "nethack") != names.end());
  CHECK(std::find(names.begin(), names.end(), "chain") != names.end());
  // No NetHack is loaded for the spec (a learner host needs none): a bad nle_path would
  // fail a build but not the spec.
  const auto spec = spur::envSpec(parse("{name: nethack, nethack: {task: OniScore, nle_path: /nonexistent, observation_keys: [chars, message]}}"));
  REQUIRE(spec.observations.size() == 2);
  CHECK(spec.observations[1].name == "message");
  CHECK(spec.text_observations == std::vector<std::string>{"message"});
  CHECK(spec.actions.kind == spur::ActionSpace::Kind::kDiscrete);
  CHECK(spec.actions.size() > 20);
  CHECK_FALSE(spec.masked_actions);
  CHECK(spur::envSpec(parse("{name: chain, chain: {mask_wall: true}}")).masked_actions);
}

TEST_CASE("env registry: unknown names, sections and keys are errors that say where and what is valid") {
  CHECK(errorOf(parse("{name: nethak}")) == "exp.yaml: env.name: unknown env 'nethak' (valid: chain, nethack)");
  CHECK(errorOf(parse("{name: chain, chian: {length: 3}}")) == "exp.yaml: env.chian: unknown key (valid keys: name, chain, nethack)");
  CHECK(errorOf(parse("{name: chain, chain: {lenght: 3}}")) == "exp.yaml: env.chain.lenght: unknown key (valid keys: length, step_cost, max_steps, mask_wall)");
  CHECK(errorOf(parse("{name: nethack, nethack: {observation_keys: [pixels]}}")).find("unknown env.nethack.observation_keys entry 'pixels'") == 0);
}

TEST_CASE("env registry: the resolved config keeps each env's section") {
  const auto o = parse("{name: chain, chain: {length: 5}}");
  const YAML::Node out = spur::config::encode(o);
  CHECK(out["name"].as<std::string>() == "chain");
  CHECK(out["chain"]["length"].as<int>() == 5);
}
