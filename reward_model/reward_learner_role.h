// The reward learner role (`spur reward-learner`): owns what to ask the LLM. It
// subscribes to the learner's new message texts, keeps the dataset of seen messages and
// their labels, asks the llm_server for the missing labels, and publishes versioned
// snapshots of the intrinsic reward per message, which the learner applies to every batch.
// Types: retrieval (ONI-Retrieval: reward 1 for messages labelled helpful, 0 otherwise and
// for unseen ones) and offline_labels (a JSON file message -> reward; no LLM).
#pragma once

#include <atomic>
#include <string>
#include <unordered_map>

#include "core/reward_options.h"

namespace spur {

struct RewardLearnerRoleOptions {
  RewardOptions reward;
  std::string prompt;            // template id the llm_server labels with (llm.prompt)
  std::string messages_address;  // the learner's PUB of new messages (connect)
  std::string rewards_address;   // our PUB of reward tables (bind)
  std::string llm_address;       // the llm_server's ROUTER (connect); unused for offline_labels
  std::string tb_dir;            // TensorBoard (reward_model/...); empty = none
  int64_t request_items = 256;   // items per request to the llm_server
  int64_t max_requests_in_flight = 4;
  double request_timeout_s = 300;  // unanswered items are asked again after this
  double retry_no_label_s = 60;    // an item answered "no label" is asked again after this
  double publish_interval_s = 1;
};

// Reads an offline labels file: a JSON object message -> number, "helpful" (1) or
// "not_helpful" (0). Error naming the file (and the entry) when it is unreadable or wrong.
std::unordered_map<std::string, float> loadOfflineLabels(const std::string& path);

// Runs until `stop`; returns the exit code. Throws Error for bad options or an unreadable
// labels file.
int runRewardLearner(const RewardLearnerRoleOptions& options, const std::atomic<bool>& stop);

}  // namespace spur
