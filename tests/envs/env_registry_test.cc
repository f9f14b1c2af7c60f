// The env registry: envs found by name, specs known without building an env, errors that
// name the key and the valid choices.
#include "envs/env_registry.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <set>

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
  // ALFWorld's spec reads no game: a learner host needs no data.
  const auto alf = spur::envSpec(parse("{name: alfworld, alfworld: {data_dir: /nonexistent, max_candidates: 40}}"));
  CHECK(alf.actions.kind == spur::ActionSpace::Kind::kCandidates);
  CHECK(alf.actions.size() == 40);
  CHECK(alf.masked_actions);
  CHECK(alf.text_observations == std::vector<std::string>{"task", "feedback"});
}

TEST_CASE("env registry: unknown names, sections and keys are errors that say where and what is valid") {
  CHECK(errorOf(parse("{name: nethak}")) == "exp.yaml: env.name: unknown env 'nethak' (valid: alfworld, chain, nethack, pick, search)");
  CHECK(errorOf(parse("{name: chain, chian: {length: 3}}")) == "exp.yaml: env.chian: unknown key (valid keys: name, alfworld, chain, nethack, pick, search)");
  CHECK(errorOf(parse("{name: chain, chain: {lenght: 3}}")) == "exp.yaml: env.chain.lenght: unknown key (valid keys: length, step_cost, max_steps, mask_wall)");
  CHECK(errorOf(parse("{name: nethack, nethack: {observation_keys: [pixels]}}")).find("unknown env.nethack.observation_keys entry 'pixels'") == 0);
}

TEST_CASE("env registry: the resolved config keeps each env's section") {
  const auto o = parse("{name: chain, chain: {length: 5}}");
  const YAML::Node out = spur::config::encode(o);
  CHECK(out["name"].as<std::string>() == "chain");
  CHECK(out["chain"]["length"].as<int>() == 5);
}

TEST_CASE("pick env: a per-step list of candidate texts with a mask, a text observation, the terminal message") {
  const auto o = parse("{name: pick, pick: {max_candidates: 4}}");
  const auto spec = spur::envSpec(o);
  CHECK(spec.actions.kind == spur::ActionSpace::Kind::kCandidates);
  CHECK(spec.actions.size() == 4);
  CHECK(spec.masked_actions);
  CHECK(spec.text_observations == std::vector<std::string>{"task"});
  auto env = spur::makeEnv(o, 0);
  std::set<std::size_t> sizes;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    env->reset(seed);
    const std::string task(env->observation(0).as<char>());
    REQUIRE(task.rfind("take the ", 0) == 0);
    for (int step = 0;; ++step) {
      const auto cands = env->candidates();
      const auto mask = env->actionMask();
      REQUIRE(mask.size() == 4);
      sizes.insert(cands.size());
      for (std::size_t i = 0; i < 4; ++i) CHECK((mask[i] == 1) == (i < cands.size()));
      // Take a wrong key first, then the goal.
      const auto goal = std::find(cands.begin(), cands.end(), task) - cands.begin();
      REQUIRE(goal < static_cast<long>(cands.size()));
      CHECK(env->observation(1).as<float>()[goal] == 1.0f);
      const int64_t action = step == 0 ? (goal == 0 ? 1 : 0) : goal;
      const auto r = env->step(action);
      if (step == 0) {
        CHECK_FALSE(r.done);
        CHECK(std::string(env->message()).rfind("That is the ", 0) == 0);
        continue;
      }
      CHECK(r.done);
      CHECK(r.end_status == spur::EndStatus::kTaskSuccessful);
      CHECK(std::string(env->message()) == "You take the " + task.substr(9, task.size() - 13) + " key.");
      CHECK(env->episodeMetrics().at(0).value == 1.0);  // one wrong pick
      break;
    }
  }
  CHECK(sizes.size() >= 2);  // the candidate count varies
}
