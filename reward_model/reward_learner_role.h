// The reward learner role (`spur reward-learner`): owns what to ask the LLM. It
// subscribes to the learner's per-batch messages (distinct texts with step counts), keeps
// the dataset, asks the llm_server for the missing labels, trains the reward model and
// publishes versioned snapshots of the intrinsic reward per message, which the learner
// applies to every batch; its state is checkpointed and resumed.
// What is kept and trained per reward.type lives behind IntrinsicRewardModel
// (reward_model.h); the role does the sockets, the requests, snapshots and checkpoints.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "core/reward_options.h"
#include "reward_model/reward_model.h"

namespace spur {

struct CurveKeys;  // core/curve.h

struct RewardLearnerRoleOptions {
  RewardOptions reward;
  std::string prompt;            // template id the llm_server labels with (llm.prompt)
  std::vector<std::string> messages_addresses;  // each learner rank's PUB of new messages (connect)
  std::string rewards_address;   // our PUB of reward tables (bind)
  std::string llm_address;       // the llm_server's ROUTER (connect); unused for offline_labels
  std::shared_ptr<const CurveKeys> curve;  // transport.curve: every socket uses CURVE; none = plain
  std::string tb_dir;            // TensorBoard (reward_model/...); empty = none
  std::string checkpoint_dir;    // model state, resumed from at start; empty = none
  double checkpoint_interval_s = 120;
  int keep_checkpoints = 2;
  uint64_t seed = 1;
  int64_t request_items = 256;   // items per request to the llm_server
  int64_t max_requests_in_flight = 4;
  double request_timeout_s = 300;  // unanswered items are asked again after this
  double retry_no_label_s = 60;    // an item answered "no label" is asked again after this
  double publish_interval_s = 1;
  double report_interval_s = 10;   // progress line and TensorBoard scalars
};

// Runs until `stop`; returns the exit code. Throws Error for bad options or an unreadable
// labels file.
int runRewardLearner(const RewardLearnerRoleOptions& options, const std::atomic<bool>& stop);

}  // namespace spur
