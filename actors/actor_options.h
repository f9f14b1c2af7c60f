// ActorOptions: the YAML section `actors`. Torch-free.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "core/enum_names.h"

namespace spur {

// How an actor chooses actions: the learner's network, or uniformly at random among the
// valid actions (measures the actor's own overhead; trains nothing useful).
enum class ActorPolicy { kNetwork, kRandom, kLlm };
inline constexpr std::array<EnumName<ActorPolicy>, 3> kActorPolicyNames{
    {{ActorPolicy::kNetwork, "network"}, {ActorPolicy::kRandom, "random"}, {ActorPolicy::kLlm, "llm"}}};
constexpr std::span<const EnumName<ActorPolicy>> enumNames(ActorPolicy) { return kActorPolicyNames; }

struct ActorOptions {
  // Actor processes started by `spur train`. Default: 2 (fits 2 cores with the learner).
  int64_t processes = 2;
  // Envs per actor process (B), stepped together with one batched forward pass. Default: 8.
  int64_t envs_per_process = 8;
  // Seconds an unroll send may wait for the learner before retrying. Default: 1.
  double send_timeout_s = 1.0;
  // Restart back-off for crashed actors: first delay and cap, seconds. Default: 1, 30.
  double restart_backoff_s = 1.0;
  double restart_backoff_max_s = 30.0;
  // How actions are chosen: network, random or llm (ActorPolicy; llm: an LLM picks among a
  // text env's candidates, actors/llm_policy.h, played by `spur eval`). Default: network.
  ActorPolicy policy = ActorPolicy::kNetwork;

  template <class B>
  void bind(B& b) {
    b.field("processes", processes);
    b.field("envs_per_process", envs_per_process);
    b.field("send_timeout_s", send_timeout_s);
    b.field("restart_backoff_s", restart_backoff_s);
    b.field("restart_backoff_max_s", restart_backoff_max_s);
    b.field("policy", policy);
  }
};

}  // namespace spur
