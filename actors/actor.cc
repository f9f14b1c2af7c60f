#include "actors/actor.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <random>
#include <string_view>

#include "core/process_tuning.h"
#include "core/schema/spur.capnp.h"
#include "core/transport.h"
#include "actors/message_counter.h"
#include "actors/parameter_subscriber.h"
#include "actors/policy.h"
#include "actors/unroll_builder.h"
#include "models/policy_net.h"

namespace spur {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

}  // namespace

ActorSeeds actorSeeds(uint64_t run_seed, int rank) {
  return {run_seed * 1000003 + static_cast<uint64_t>(rank), run_seed * 6151 + static_cast<uint64_t>(rank)};
}

int runActor(const ActorRoleOptions& o, const std::atomic<bool>& stop) {
  torch::set_num_threads(1);  // actors are many small processes; one thread each
  keepLargeBlocksInHeap();  // unroll messages are megabytes, built and freed every unroll
  const int64_t T = o.rollout, B = o.actors.envs_per_process;
  if (T < 1 || B < 1) throw Error(StatusCode::kInvalidArgument, "learner.rollout and actors.envs_per_process must be positive");
  std::vector<std::unique_ptr<Env>> envs;
  for (int64_t b = 0; b < B; ++b) envs.push_back(makeEnv(o.env, static_cast<int>(o.rank * B + b)));
  const EnvSpec& spec = envs[0]->spec();
  const int64_t A = spec.actions.size();
  std::unique_ptr<Policy> policy;
  switch (o.actors.policy) {
    case ActorPolicy::kNetwork: policy = makeLocalPolicy(o.model, spec.observations, A, B); break;
    case ActorPolicy::kRandom:
      policy = makeRandomPolicy(A, makePolicyNet(o.model, spec.observations, A)->stateSize(), B, actorSeeds(o.seed, o.rank).random_policy);
      break;
    case ActorPolicy::kLlm:
      throw Error(StatusCode::kInvalidArgument, "actors.policy: llm plays through `spur eval --policy llm` (baselines and evaluation), not in training actors");
  }
  torch::manual_seed(o.seed * 7919 + static_cast<uint64_t>(o.rank));
  std::mt19937_64 env_rng(actorSeeds(o.seed, o.rank).env_resets);

  zmq::context_t ctx(1);
  SocketOptions push_opts;
  push_opts.high_water_mark = static_cast<int>(o.unroll_hwm);
  push_opts.curve = o.curve;
  auto push = MessageSocket::connect(ctx, SocketKind::kPush, o.unroll_address, push_opts);
  ParameterSubscriber params(ctx, o.params_address, *policy, o.rank, o.curve);
  if (policy->needsParams() && !params.waitForFirst(stop)) return 0;
  spdlog::info("actor {}: {} {} envs, policy version {}, sending unrolls of {} steps to {}", o.rank, B, o.env.name, params.policyVersion(), T, o.unroll_address);

  UnrollBuilder unroll(spec, T, B, policy->stateSize());
  std::vector<MessageCounter> counters(static_cast<std::size_t>(B));
  std::vector<double> ep_return(static_cast<std::size_t>(B), 0.0);
  std::vector<int64_t> ep_length(static_cast<std::size_t>(B), 0);
  auto startEpisode = [&](std::size_t b) {
    envs[b]->reset(env_rng());
    counters[b].reset();
    counters[b].count(envs[b]->message());  // the first observation's message counts too (ONI)
    policy->resetState(static_cast<int64_t>(b));
  };
  for (int64_t b = 0; b < B; ++b) {
    startEpisode(static_cast<std::size_t>(b));
    unroll.recordObservation(0, b, *envs[static_cast<std::size_t>(b)]);
  }

  uint64_t frames = 0;
  int64_t unrolls_sent = 0, send_stalls = 0;
  while (!stop) {
    const uint64_t unroll_version = params.policyVersion();
    policy->copyState(unroll.initialState());
    for (int64_t t = 0; t < T && !stop; ++t) {
      if (policy->needsParams()) params.poll(0ms);
      ObsMap step_obs;
      if (policy->readsObservations()) step_obs = unroll.observations(t);
      PolicyStep step{policy->readsObservations() ? &step_obs : nullptr, unroll.actionMask(t), unroll.logits(t), unroll.logp(t), unroll.actions(t)};
      policy->act(step);
      for (int64_t b = 0; b < B; ++b) {
        const std::size_t bi = static_cast<std::size_t>(b);
        Env& env = *envs[bi];
        const StepResult r = env.step(step.actions[b]);
        // The message this step resulted in, counted before any reset: the terminal
        // step's message is rewarded and counted like any other.
        const std::string_view message = env.message();
        unroll.recordStep(t, b, r, message, counters[bi].count(message));
        ep_return[bi] += r.reward;
        ++ep_length[bi];
        if (r.done) {
          unroll.addEpisode({ep_return[bi], ep_length[bi], r.end_status, env.episodeMetrics()});
          ep_return[bi] = 0;
          ep_length[bi] = 0;
          startEpisode(bi);
        }
        unroll.recordObservation(t + 1, b, env);
      }
      frames += static_cast<uint64_t>(B);
    }
    if (stop) break;

    capnp::MallocMessageBuilder msg;
    unroll.build(msg, {static_cast<uint32_t>(o.rank), unroll_version, frames});
    // Back-pressure: wait for the learner, but stay responsive to stop.
    const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(o.actors.send_timeout_s * 1000));
    while (!stop && !push.send(msg, timeout)) {
      ++send_stalls;
      if (send_stalls % 10 == 1) spdlog::info("actor {}: learner at {} is not taking unrolls ({} waits)", o.rank, o.unroll_address, send_stalls);
    }
    ++unrolls_sent;
    unroll.startNext();  // the next unroll starts where this one ended
  }
  spdlog::info("actor {}: stopping after {} frames, {} unrolls", o.rank, frames, unrolls_sent);
  return 0;
}

}  // namespace spur
