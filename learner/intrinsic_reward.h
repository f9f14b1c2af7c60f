// IntrinsicRewardTable: the learner's copy of the reward learner's newest snapshot
// (message text -> intrinsic reward; unseen messages 0), and the per-step lookup over a
// batch. Includes LibTorch (only learner .cc files include it).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/schema/spur.capnp.h"
#include "core/status.h"

namespace spur {

class IntrinsicRewardTable {
 public:
  // Replaces the table with `snapshot` when it is newer than the current one (or comes
  // from another reward-learner instance, i.e. a restarted one). DataLoss
  // (table unchanged) for a snapshot whose texts and rewards differ in length, that
  // holds a non-finite reward or a malformed pointer. Never throws.
  Status apply(schema::RewardTable::Reader snapshot);
  // The reward of each step's resulting message: texts are an unroll's distinct messages,
  // message_ids [T, B] (step t: the message step t resulted in, the terminal step's own
  // included) index into them. [T, B] float; unknown texts and ids outside texts give 0.
  torch::Tensor lookup(const std::vector<std::string>& texts, const torch::Tensor& message_ids) const;
  uint64_t version() const { return version_; }
  std::size_t size() const { return table_.size(); }

 private:
  std::unordered_map<std::string, float> table_;
  uint64_t version_ = 0;
  uint64_t instance_ = 0;
};

// Adds to `counts` how many steps of an unroll resulted in each message (message_ids
// [T, B], the same steps lookup() rewards); ids outside `texts` are skipped.
void countMessages(const std::vector<std::string>& texts, const torch::Tensor& message_ids, std::unordered_map<std::string, uint32_t>& counts);

}  // namespace spur
