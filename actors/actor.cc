#include "actors/actor.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <random>
#include <string_view>
#include <unordered_map>

#include "core/process_tuning.h"
#include "core/schema/spur.capnp.h"
#include "core/transport.h"
#include "actors/policy.h"
#include "models/policy_net.h"
#include "models/torch_codec.h"

namespace spur {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// What an episode's end looks like in NetHack terms; zeros for other envs. Read each
// step before a done, since NetHack zeroes blstats once the game is over.
struct LastStatus {
  int32_t depth = 0;
  int64_t gold = 0, score = 0;
};

// Lookup by string_view, so that the per-step message lookup allocates nothing.
struct TextHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using MessageIndex = std::unordered_map<std::string, int32_t, TextHash, std::equal_to<>>;

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
  const auto& spec = envs[0]->observationSpec();
  const int64_t A = envs[0]->actionSpace().size();
  std::unique_ptr<Policy> policy;
  if (o.actors.policy == "network") policy = makeLocalPolicy(o.model, spec, A);
  else if (o.actors.policy == "random") policy = makeRandomPolicy(A, makePolicyNet(o.model, spec, A)->stateSize(), actorSeeds(o.seed, o.rank).random_policy);
  else throw Error(StatusCode::kInvalidArgument, "unknown actors.policy '" + o.actors.policy + "' (valid: network, random)");
  torch::manual_seed(o.seed * 7919 + static_cast<uint64_t>(o.rank));
  std::mt19937_64 env_rng(actorSeeds(o.seed, o.rank).env_resets);

  zmq::context_t ctx(1);
  SocketOptions push_opts;
  push_opts.high_water_mark = static_cast<int>(o.unroll_hwm);
  auto push = MessageSocket::connect(ctx, SocketKind::kPush, o.unroll_address, push_opts);
  SocketOptions sub_opts;
  sub_opts.latest_only = true;
  auto sub = MessageSocket::connect(ctx, SocketKind::kSub, o.params_address, sub_opts);

  uint64_t policy_version = 0;
  bool have_params = false;
  int64_t bad_params = 0;
  auto pollParams = [&](std::chrono::milliseconds timeout) {
    auto msg = sub.receive(timeout);
    if (!msg) return;
    Status s = msg->parse();
    if (s.isOk()) {
      auto params = msg->root<schema::Params>();
      s = policy->update(params);
      if (s.isOk()) {
        policy_version = params.getPolicyVersion();
        have_params = true;
        return;
      }
    }
    ++bad_params;
    spdlog::warn("actor {}: dropped a parameter message ({}); {} dropped so far", o.rank, s.message(), bad_params);
  };
  const auto wait_start = Clock::now();
  auto last_note = wait_start;
  while (policy->needsParams() && !have_params && !stop) {
    pollParams(200ms);
    if (Clock::now() - last_note > 10s) {
      spdlog::info("actor {}: waiting for parameters from the learner at {}", o.rank, o.params_address);
      last_note = Clock::now();
    }
  }
  if (stop) return 0;
  spdlog::info("actor {}: {} envs, policy version {}, sending unrolls of {} steps to {}", o.rank, B, policy_version, T, o.unroll_address);

  // Unroll buffers, time-major.
  std::vector<torch::Tensor> obs;
  for (const auto& s : spec) {
    std::vector<int64_t> shape{T + 1, B};
    shape.insert(shape.end(), s.shape.begin(), s.shape.end());
    obs.push_back(torch::zeros(shape, torch::TensorOptions().dtype(toTorch(s.dtype))));
  }
  auto actions = torch::zeros({T, B}, torch::kInt64);
  auto logits = torch::zeros({T, B, A}, torch::kFloat32);
  auto rewards = torch::zeros({T, B}, torch::kFloat32);
  auto dones = torch::zeros({T, B}, torch::kUInt8);
  auto message_ids = torch::zeros({T + 1, B}, torch::kInt32);
  auto message_counts = torch::zeros({T + 1, B}, torch::kInt32);
  auto state = torch::zeros({B, policy->stateSize()});

  std::vector<std::string> messages;
  MessageIndex message_index;
  // Hot path: raw pointers into the contiguous [T+1, B, ...] buffers. (Indexing torch
  // tensors per env and step costs microseconds each and doubled the actor's cost.)
  std::vector<uint8_t*> obs_base;
  std::vector<std::size_t> obs_bytes;
  for (std::size_t i = 0; i < spec.size(); ++i) {
    obs_base.push_back(static_cast<uint8_t*>(obs[i].data_ptr()));
    obs_bytes.push_back(spec[i].bytes());
  }
  auto* reward_p = rewards.data_ptr<float>();
  auto* logits_p = logits.data_ptr<float>();
  auto* action_p = actions.data_ptr<int64_t>();
  auto* done_p = dones.data_ptr<uint8_t>();
  auto* id_p = message_ids.data_ptr<int32_t>();
  auto* count_p = message_counts.data_ptr<int32_t>();
  auto recordObs = [&](int64_t t, int64_t b) {
    Env& env = *envs[static_cast<std::size_t>(b)];
    const std::size_t slot = static_cast<std::size_t>(t * B + b);
    for (std::size_t i = 0; i < spec.size(); ++i) std::memcpy(obs_base[i] + slot * obs_bytes[i], env.observation(i).data, obs_bytes[i]);
    const std::string_view text = env.message();
    auto it = message_index.find(text);
    if (it == message_index.end()) {
      it = message_index.emplace(std::string(text), static_cast<int32_t>(messages.size())).first;
      messages.emplace_back(text);
    }
    id_p[slot] = it->second;
    count_p[slot] = env.messageCount();
  };

  std::vector<double> ep_return(static_cast<std::size_t>(B), 0.0);
  std::vector<int64_t> ep_length(static_cast<std::size_t>(B), 0);
  std::vector<LastStatus> last(static_cast<std::size_t>(B));
  std::vector<NetHackEnv*> nethack_envs;  // null for other envs
  for (auto& e : envs) nethack_envs.push_back(dynamic_cast<NetHackEnv*>(e.get()));
  auto updateStatus = [&](int64_t b) {
    if (auto* nh = nethack_envs[static_cast<std::size_t>(b)]; nh && nh->inNormalGame()) {
      last[static_cast<std::size_t>(b)] = {static_cast<int32_t>(nh->blstats()[nle::kBlDepth]), nh->blstats()[nle::kBlGold], nh->blstats()[nle::kBlScore]};
    }
  };
  for (int64_t b = 0; b < B; ++b) {
    envs[static_cast<std::size_t>(b)]->reset(env_rng());
    updateStatus(b);
    recordObs(0, b);
  }

  uint64_t frames = 0;
  int64_t unrolls_sent = 0, send_stalls = 0;
  struct Finished {
    std::size_t env;
    double ret;
    int64_t len;
    int32_t end_status;
    LastStatus status;
  };
  std::vector<Finished> finished;
  while (!stop) {
    const auto initial_state = state.clone();
    const uint64_t unroll_version = policy_version;
    for (int64_t t = 0; t < T && !stop; ++t) {
      if (policy->needsParams()) pollParams(0ms);
      ObsMap step_obs;
      if (policy->readsObservations())
        for (std::size_t i = 0; i < spec.size(); ++i) step_obs[spec[i].name] = obs[i].slice(0, t, t + 1);
      const int64_t* a_ptr = action_p + t * B;
      policy->act(step_obs, &state, logits_p + t * B * A, action_p + t * B);
      for (int64_t b = 0; b < B; ++b) {
        const std::size_t bi = static_cast<std::size_t>(b);
        const StepResult r = envs[bi]->step(a_ptr[b]);
        reward_p[t * B + b] = static_cast<float>(r.reward);
        done_p[t * B + b] = r.done ? 1 : 0;
        ep_return[bi] += r.reward;
        ++ep_length[bi];
        if (!r.done) updateStatus(b);
        if (r.done) {
          finished.push_back({bi, ep_return[bi], ep_length[bi], static_cast<int32_t>(r.end_status), last[bi]});
          ep_return[bi] = 0;
          ep_length[bi] = 0;
          envs[bi]->reset(env_rng());
          updateStatus(b);
          state[b].zero_();
        }
        recordObs(t + 1, b);
      }
      frames += static_cast<uint64_t>(B);
    }
    if (stop) break;

    capnp::MallocMessageBuilder msg;
    auto u = msg.initRoot<schema::Unroll>();
    u.setSchemaVersion(schema::CURRENT_VERSION);
    u.getSender().setRole(schema::Role::ACTOR);
    u.getSender().setRank(static_cast<uint32_t>(o.rank));
    u.setPolicyVersion(unroll_version);
    u.setNumSteps(static_cast<uint32_t>(T));
    u.setNumEnvs(static_cast<uint32_t>(B));
    u.setEnvFrames(frames);
    auto tensors = u.initTensors(static_cast<unsigned>(spec.size() + 7));
    unsigned k = 0;
    for (std::size_t i = 0; i < spec.size(); ++i) writeTorchTensor(tensors[k++], "obs/" + spec[i].name, obs[i]);
    writeTorchTensor(tensors[k++], "actions", actions);
    writeTorchTensor(tensors[k++], "logits", logits);
    writeTorchTensor(tensors[k++], "rewards", rewards);
    writeTorchTensor(tensors[k++], "dones", dones);
    writeTorchTensor(tensors[k++], "message_ids", message_ids);
    writeTorchTensor(tensors[k++], "message_counts", message_counts);
    writeTorchTensor(tensors[k++], "rnn_state", initial_state);
    auto texts = u.initMessages(static_cast<unsigned>(messages.size()));
    for (std::size_t i = 0; i < messages.size(); ++i) texts.set(static_cast<unsigned>(i), messages[i]);
    auto eps = u.initEpisodes(static_cast<unsigned>(finished.size()));
    for (std::size_t i = 0; i < finished.size(); ++i) {
      eps[static_cast<unsigned>(i)].setEpisodeReturn(finished[i].ret);
      eps[static_cast<unsigned>(i)].setLength(finished[i].len);
      eps[static_cast<unsigned>(i)].setEndStatus(finished[i].end_status);
      eps[static_cast<unsigned>(i)].setDepth(finished[i].status.depth);
      eps[static_cast<unsigned>(i)].setGold(finished[i].status.gold);
      eps[static_cast<unsigned>(i)].setScore(finished[i].status.score);
    }
    // Back-pressure: wait for the learner, but stay responsive to stop.
    const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(o.actors.send_timeout_s * 1000));
    while (!stop && !push.send(msg, timeout)) {
      ++send_stalls;
      if (send_stalls % 10 == 1) spdlog::info("actor {}: learner at {} is not taking unrolls ({} waits)", o.rank, o.unroll_address, send_stalls);
    }
    ++unrolls_sent;
    finished.clear();

    // The next unroll starts where this one ended.
    for (auto& t : obs) t[0].copy_(t[T]);
    message_ids[0].copy_(message_ids[T]);
    message_counts[0].copy_(message_counts[T]);
    std::vector<std::string> keep_messages;
    MessageIndex keep_index;
    for (int64_t b = 0; b < B; ++b) {
      const std::string& text = messages[static_cast<std::size_t>(id_p[b])];
      auto [it, added] = keep_index.try_emplace(text, static_cast<int32_t>(keep_messages.size()));
      if (added) keep_messages.push_back(text);
      id_p[b] = it->second;
    }
    messages = std::move(keep_messages);
    message_index = std::move(keep_index);
  }
  spdlog::info("actor {}: stopping after {} frames, {} unrolls", o.rank, frames, unrolls_sent);
  return 0;
}

}  // namespace spur
