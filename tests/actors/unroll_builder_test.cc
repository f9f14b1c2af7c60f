// The actor's unroll: what each step records, and that the learner reads it back. Uses the
// toy chain env (length 3: two RIGHT steps reach the end and end the episode).
#include "actors/unroll_builder.h"

#include <capnp/message.h>
#include <doctest/doctest.h>

#include "actors/message_counter.h"
#include "core/config.h"
#include "envs/env_registry.h"
#include "learner/unroll_receiver.h"

namespace {

spur::EnvOptions chain(const std::string& extra = "") {
  return spur::config::decode<spur::EnvOptions>(YAML::Load("{name: chain, chain: {length: 3, max_steps: 10" + extra + "}}"), {});
}

// Plays T steps of one env with `actions` the way the actor does: step, count the
// resulting message, reset after done, record the next observation.
void play(spur::Env& env, spur::UnrollBuilder& unroll, const std::vector<int64_t>& actions) {
  spur::MessageCounter counter;
  env.reset(1);
  counter.count(env.message());
  unroll.recordObservation(0, 0, env);
  for (std::size_t t = 0; t < actions.size(); ++t) {
    const int64_t ti = static_cast<int64_t>(t);
    unroll.actions(ti)[0] = actions[t];
    unroll.logp(ti)[0] = -0.5f;
    const auto r = env.step(actions[t]);
    unroll.recordStep(ti, 0, r, env.message(), counter.count(env.message()));
    if (r.done) {
      unroll.addEpisode({1.0, 2, r.end_status, env.episodeMetrics()});
      env.reset(2);
      counter.reset();
      counter.count(env.message());
    }
    unroll.recordObservation(ti + 1, 0, env);
  }
}

}  // namespace

TEST_CASE("unroll builder: the step that ends an episode carries that episode's last message, not the next episode's first") {
  auto env = spur::makeEnv(chain(), 0);
  spur::UnrollBuilder unroll(env->spec(), 3, 1, 4);
  play(*env, unroll, {1, 1, 0});  // RIGHT, RIGHT (end: done), then LEFT into the wall of the new episode
  const auto& texts = unroll.messages();
  auto text = [&](int64_t t) { return texts.at(static_cast<std::size_t>(unroll.messageIds()[t][0].item<int32_t>())); };
  CHECK(text(0) == "");
  CHECK(text(1) == "You reach the end of the chain.");  // the terminal step's own message (row t+1 is already reset)
  CHECK(unroll.messageCounts()[1][0].item<int32_t>() == 1);
  CHECK(text(2) == "You bump into the wall.");
  // The observation after the terminal step is the new episode's first (cell 0).
  const auto obs = unroll.observations(2).at("features");
  CHECK(obs[0][0][0].item<float>() == 1.0f);
}

TEST_CASE("unroll builder: what it builds, the learner reads back (messages per step, log-probabilities, metrics)") {
  auto env = spur::makeEnv(chain(), 0);
  spur::UnrollBuilder unroll(env->spec(), 3, 1, 4);
  play(*env, unroll, {1, 1, 0});
  capnp::MallocMessageBuilder msg;
  unroll.build(msg, {7, 42, 3});
  spur::UnrollLayout layout{3, 1, 2, 4, false, env->spec().observations};
  spur::UnrollData data;
  REQUIRE(spur::readUnroll(msg.getRoot<spur::schema::Unroll>().asReader(), layout, &data).isOk());
  CHECK(data.policy_version == 42);
  CHECK(data.actor == 7);
  CHECK(data.messages.at(static_cast<std::size_t>(data.message_ids[1][0].item<int32_t>())) == "You reach the end of the chain.");
  CHECK(data.behaviour_logp[0][0].item<float>() == -0.5f);
  CHECK(data.dones[1][0].item<uint8_t>() == 1);
  REQUIRE(data.episodes.size() == 1);
  CHECK(data.episodes[0].end_status == static_cast<int32_t>(spur::EndStatus::kTaskSuccessful));
  REQUIRE(data.episodes[0].metrics.size() == 1);
  CHECK(data.episodes[0].metrics[0] == std::pair<std::string, double>{"position", 2.0});
  // The next unroll starts from the last observation, with fresh messages and episodes.
  unroll.startNext();
  CHECK(unroll.messages().empty());
  CHECK(unroll.episodes().empty());
  CHECK(unroll.observations(0).at("features")[0][0][0].item<float>() == 1.0f);  // cell 0: LEFT into the wall
}

TEST_CASE("unroll builder: an env that masks actions sends its masks") {
  auto env = spur::makeEnv(chain(", mask_wall: true"), 0);
  REQUIRE(env->spec().masked_actions);
  spur::UnrollBuilder unroll(env->spec(), 2, 1, 0);
  play(*env, unroll, {1, 0});  // cell 0 (LEFT masked), cell 1 (both valid), cell 0 again
  const uint8_t* m0 = unroll.actionMask(0);
  REQUIRE(m0 != nullptr);
  CHECK(m0[0] == 0);
  CHECK(m0[1] == 1);
  CHECK(unroll.actionMask(1)[0] == 1);
  CHECK(unroll.actionMask(2)[0] == 0);
  capnp::MallocMessageBuilder msg;
  unroll.build(msg, {});
  spur::UnrollData data;
  REQUIRE(spur::readUnroll(msg.getRoot<spur::schema::Unroll>().asReader(), {2, 1, 2, 0, true, env->spec().observations}, &data).isOk());
  CHECK(data.action_mask.sizes() == torch::IntArrayRef({3, 1, 2}));
}

TEST_CASE("message counter: counts per episode, this appearance included") {
  spur::MessageCounter c;
  CHECK(c.count("a") == 1);
  CHECK(c.count("b") == 1);
  CHECK(c.count("a") == 2);
  CHECK(c.count("") == 1);  // the empty message is counted like any other (ONI)
  c.reset();
  CHECK(c.count("a") == 1);
}
