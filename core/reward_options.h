// RewardOptions: the YAML section `reward` -- how extrinsic and intrinsic rewards combine
// (ONI: r = ext_coeff * r_ext + int_coeff * r_int / count^beta) and which intrinsic reward
// model the reward learner runs. Shared by the learner and the reward learner, hence in
// core. Torch-free.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "core/enum_names.h"

namespace spur {

// The intrinsic reward: none; retrieval (LLM labels looked up per message, unseen = 0);
// classification (a text classifier trained online on the LLM's helpful/not-helpful
// labels, ONI-Classification); ranking (a Bradley-Terry reward model trained online on the
// LLM's preferences between message pairs, ONI-Ranking); offline_labels (a JSON file
// message -> reward).
enum class RewardType { kNone, kRetrieval, kClassification, kRanking, kOfflineLabels };
inline constexpr std::array<EnumName<RewardType>, 5> kRewardTypeNames{{{RewardType::kNone, "none"},
                                                                       {RewardType::kRetrieval, "retrieval"},
                                                                       {RewardType::kClassification, "classification"},
                                                                       {RewardType::kRanking, "ranking"},
                                                                       {RewardType::kOfflineLabels, "offline_labels"}}};
constexpr std::span<const EnumName<RewardType>> enumNames(RewardType) { return kRewardTypeNames; }
// Whether the reward asks an LLM (needs the llm_server).
constexpr bool usesLlm(RewardType t) { return t == RewardType::kRetrieval || t == RewardType::kClassification || t == RewardType::kRanking; }
// Whether the reward model is a network trained in the reward learner.
constexpr bool isNeural(RewardType t) { return t == RewardType::kClassification || t == RewardType::kRanking; }

struct RewardOptions {
  // Intrinsic reward (RewardType). Default: none.
  RewardType type = RewardType::kNone;
  std::string labels_file;    // offline_labels: JSON object {"message": reward or "helpful"/"not_helpful"}
  double ext_coeff = 1.0;
  double int_coeff = 0.0;
  double beta = 3.0;          // count exponent (ONI's beta_count_exponent)

  // Neural reward models (classification, ranking); defaults as ONI.
  int64_t model_batch_size = 256;      // reward_model_batch_size
  double model_lr = 1e-4;              // reward_model_lr (Adam)
  int64_t steps_per_label_batch = 32;  // gradient steps after each batch of new labels ...
  int64_t small_dataset = 25000;       // ... while the dataset is smaller than this; then 1 per policy batch
  // classification: the reward is 1 when P(helpful) > classification_threshold, else 0
  // (classifier_output: threshold, as ONI), or P(helpful) itself (probability).
  std::string classifier_output = "threshold";
  double classification_threshold = 0.5;
  // ranking: rewards are normalised by the running mean and std over the messages seen
  // (weighted by how often each was seen); those at or below this quantile become 0.
  double threshold_quantile = 0.5;
  int64_t message_subsample = 10;      // ranking: one in this many seen messages enters the pair pool
  int64_t pairs_per_batch = 10;        // ranking: pairs sampled for labelling per policy batch
  double reevaluate_interval_s = 10;   // neural models: all known messages re-scored at most this often
  int64_t model_threads = 1;           // LibTorch threads of the reward learner
  // Where the neural reward models (classification, ranking) train and score: "cpu",
  // "cuda" or "cuda:N" (the CUDA build). Default: cpu.
  std::string device = "cpu";
  // Items the reward learner holds for the llm_server; beyond it the oldest are dropped
  // (newest first, as ONI) and asked again the next time a batch shows them.
  int64_t max_waiting = 100000;
  int64_t request_items = 256;         // items per request to the llm_server
  int64_t requests_in_flight = 4;      // requests outstanding at once

  template <class B>
  void bind(B& b) {
    b.field("type", type);
    b.field("ext_coeff", ext_coeff);
    b.field("int_coeff", int_coeff);
    b.field("beta", beta);
    b.field("labels_file", labels_file);
    b.field("model_batch_size", model_batch_size);
    b.field("model_lr", model_lr);
    b.field("steps_per_label_batch", steps_per_label_batch);
    b.field("small_dataset", small_dataset);
    b.field("classifier_output", classifier_output);
    b.field("classification_threshold", classification_threshold);
    b.field("threshold_quantile", threshold_quantile);
    b.field("message_subsample", message_subsample);
    b.field("pairs_per_batch", pairs_per_batch);
    b.field("reevaluate_interval_s", reevaluate_interval_s);
    b.field("model_threads", model_threads);
    b.field("device", device);
    b.field("max_waiting", max_waiting);
    b.field("request_items", request_items);
    b.field("requests_in_flight", requests_in_flight);
  }
};

}  // namespace spur
