#include "envs/text/text_observations.h"

#include <algorithm>

#include "envs/text/text_tokens.h"

namespace spur {

EnvSpec textCandidateEnvSpec(const TextObservationSizes& s, int64_t max_candidates) {
  EnvSpec spec;
  spec.observations = {{"task", DType::kUInt8, {s.task_bytes}},
                       {"feedback", DType::kUInt8, {s.feedback_bytes}},
                       {"task_tokens", DType::kInt32, {s.task_tokens}},
                       {"text_tokens", DType::kInt32, {s.text_tokens}},
                       {"candidate_tokens", DType::kInt32, {max_candidates, s.candidate_tokens}}};
  spec.text_observations = {"task", "feedback"};
  spec.actions.kind = ActionSpace::Kind::kCandidates;
  spec.actions.max_candidates = max_candidates;
  spec.masked_actions = true;
  return spec;
}

TextObservations::TextObservations(const TextObservationSizes& sizes, int64_t max_candidates)
    : sizes_(sizes),
      task_(static_cast<std::size_t>(sizes.task_bytes), 0),
      feedback_(static_cast<std::size_t>(sizes.feedback_bytes), 0),
      mask_(static_cast<std::size_t>(max_candidates), 0),
      task_tokens_(static_cast<std::size_t>(sizes.task_tokens), 0),
      text_tokens_(static_cast<std::size_t>(sizes.text_tokens), 0),
      candidate_tokens_(static_cast<std::size_t>(max_candidates * sizes.candidate_tokens), 0) {}

bool TextObservations::setTask(std::string_view text) {
  const bool cut = copyTextObservation(text, task_);
  return hashTextTokens(text, task_tokens_) > task_tokens_.size() || cut;
}

bool TextObservations::setFeedback(std::string_view text) {
  const bool cut = copyTextObservation(text, feedback_);
  return hashTextTokens(text, text_tokens_) > text_tokens_.size() || cut;
}

void TextObservations::setCandidates(std::size_t n, const std::function<std::string(std::size_t)>& features) {
  n = std::min(n, mask_.size());
  std::fill(mask_.begin(), mask_.end(), 0);
  std::fill(mask_.begin(), mask_.begin() + static_cast<std::ptrdiff_t>(n), 1);
  const auto width = static_cast<std::size_t>(sizes_.candidate_tokens);
  for (std::size_t i = 0; i < mask_.size(); ++i) {
    std::span<int32_t> slot(candidate_tokens_.data() + i * width, width);
    if (i < n) hashTextTokens(features(i), slot);
    else std::fill(slot.begin(), slot.end(), 0);
  }
}

TensorView TextObservations::view(const EnvSpec& spec, std::size_t index) const {
  const TensorSpec* s = &spec.observations.at(index);
  switch (index) {
    case 0: return {s, task_.data()};
    case 1: return {s, feedback_.data()};
    case 2: return {s, task_tokens_.data()};
    case 3: return {s, text_tokens_.data()};
    default: return {s, candidate_tokens_.data()};
  }
}

}  // namespace spur
