// UnrollBuilder: an actor's buffers for one unroll of T steps of B envs (time-major, the
// layout of schema::Unroll) and the wire message made from them. The actor records into it
// step by step; build() writes the message; startNext() carries the last observation
// over as the next unroll's row 0. Includes LibTorch (the policy reads observation slices).
//
// Message ids and counts are per step: step t's entry is the message that step resulted
// in, so that the step that ends an episode carries the episode's last message (ONI
// rewards and counts it) even though row t+1 of the observations is already the next
// episode's first.
//
// Not thread-safe; one per actor.
#pragma once

#include <torch/torch.h>

#include <capnp/message.h>

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "envs/env.h"
#include "models/policy_net.h"

namespace spur {

// A finished episode, sent with the unroll in which it ended.
struct FinishedEpisode {
  double episode_return = 0;
  int64_t length = 0;
  EndStatus end_status = EndStatus::kRunning;
  std::vector<EpisodeMetric> metrics;  // the env's own
};

// Who sent an unroll and with which parameters.
struct UnrollHeader {
  uint32_t actor_rank = 0;
  uint64_t policy_version = 0;
  uint64_t env_frames = 0;
};

class UnrollBuilder {
 public:
  UnrollBuilder(const EnvSpec& spec, int64_t steps, int64_t envs, int64_t state_size);

  // Row t (0..T) of env b: the observation the env shows now, and its action mask.
  void recordObservation(int64_t t, int64_t b, const Env& env);
  // Step t (0..T-1) of env b: what the env returned, the message the step resulted in
  // (before any reset) and that message's count in its episode.
  void recordStep(int64_t t, int64_t b, const StepResult& result, std::string_view message, int32_t count);
  void addEpisode(FinishedEpisode episode) { episodes_.push_back(std::move(episode)); }

  // Views for the policy's step t: observation rows [1, B, ...], the [B, A] mask (null
  // when the env does not mask), and where the policy writes its outputs.
  ObsMap observations(int64_t t) const;
  const uint8_t* actionMask(int64_t t) const;
  float* logits(int64_t t) { return logits_.data_ptr<float>() + t * B_ * A_; }
  float* logp(int64_t t) { return logp_.data_ptr<float>() + t * B_; }
  int64_t* actions(int64_t t) { return actions_.data_ptr<int64_t>() + t * B_; }
  // [B * S]: the recurrent state before step 0; written by the actor before the unroll.
  float* initialState() { return initial_state_.data_ptr<float>(); }

  // Writes the unroll (all T steps recorded) into `msg`.
  void build(capnp::MessageBuilder& msg, const UnrollHeader& header) const;
  // Row T becomes row 0; messages and episodes start empty.
  void startNext();

  const std::vector<std::string>& messages() const { return messages_; }
  const std::vector<FinishedEpisode>& episodes() const { return episodes_; }
  // Read access for tests: [T, B] ids into messages(), [T, B] counts.
  const torch::Tensor& messageIds() const { return message_ids_; }
  const torch::Tensor& messageCounts() const { return message_counts_; }

 private:
  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  EnvSpec spec_;
  int64_t T_, B_, A_, S_;
  std::vector<torch::Tensor> obs_;          // [T+1, B, ...] per observation
  std::vector<uint8_t*> obs_base_;          // raw pointers into obs_ (the per-step hot path)
  std::vector<std::size_t> obs_bytes_;      // bytes of one env's observation
  torch::Tensor mask_;                      // [T+1, B, A] uint8, defined when the env masks
  torch::Tensor actions_, logits_, logp_, rewards_, dones_, message_ids_, message_counts_, initial_state_;
  std::vector<std::string> messages_;
  std::unordered_map<std::string, int32_t, TextHash, std::equal_to<>> message_index_;
  std::vector<FinishedEpisode> episodes_;
};

}  // namespace spur
