// TextObservations: the observation buffers every text env with candidate actions shares
// (ALFWorld, web search), in the layout `model.type: text` reads: the task and feedback texts
// (uint8, zero-padded), their hashed word tokens (envs/text/text_tokens.h), each candidate
// slot's tokens, and the action mask (the first n slots valid).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "envs/env.h"

namespace spur {

struct TextObservationSizes {
  int64_t task_bytes = 256;
  int64_t feedback_bytes = 1024;
  int64_t task_tokens = 24;
  int64_t text_tokens = 160;
  int64_t candidate_tokens = 12;  // per candidate slot
};

// Observations "task", "feedback" (text), "task_tokens", "text_tokens", "candidate_tokens"
// [max_candidates, candidate_tokens] in that order; candidate actions, masked.
EnvSpec textCandidateEnvSpec(const TextObservationSizes& sizes, int64_t max_candidates);

class TextObservations {
 public:
  TextObservations(const TextObservationSizes& sizes, int64_t max_candidates);

  // Each returns whether the text was cut to fit (its bytes or its tokens).
  bool setTask(std::string_view text);
  bool setFeedback(std::string_view text);
  // Slots 0..n-1 valid (n <= max_candidates), slot i's tokens from the words of features(i);
  // the other slots masked and zeroed.
  void setCandidates(std::size_t n, const std::function<std::string(std::size_t)>& features);

  std::span<const uint8_t> mask() const { return mask_; }
  // Observation `index` of textCandidateEnvSpec's order, described by spec.observations[index].
  TensorView view(const EnvSpec& spec, std::size_t index) const;

 private:
  TextObservationSizes sizes_;
  std::vector<uint8_t> task_, feedback_, mask_;
  std::vector<int32_t> task_tokens_, text_tokens_, candidate_tokens_;
};

}  // namespace spur
