#include "learner/intrinsic_reward.h"

#include <kj/exception.h>

#include <cmath>

namespace spur {

Status IntrinsicRewardTable::apply(schema::RewardTable::Reader snapshot) {
  try {
    if (snapshot.getSchemaVersion() != schema::CURRENT_VERSION) return Status::dataLoss("reward table of schema version " + std::to_string(snapshot.getSchemaVersion()));
    // Old or repeated snapshot of the same reward learner; a restarted one starts again at 1.
    if (snapshot.getInstance() == instance_ && snapshot.getVersion() <= version_) return Status::ok();
    const auto texts = snapshot.getTexts();
    const auto rewards = snapshot.getRewards();
    if (texts.size() != rewards.size())
      return Status::dataLoss("reward table with " + std::to_string(texts.size()) + " texts but " + std::to_string(rewards.size()) + " rewards");
    std::unordered_map<std::string, float> table;
    table.reserve(texts.size());
    for (unsigned i = 0; i < texts.size(); ++i) {
      if (!std::isfinite(rewards[i])) return Status::dataLoss("reward table entry " + std::to_string(i) + " is not finite");
      table[std::string(texts[i].cStr(), texts[i].size())] = rewards[i];
    }
    table_ = std::move(table);
  } catch (const kj::Exception& e) {
    // A pointer that leads outside the message (the learner's loop has no try of its own).
    return Status::dataLoss(std::string("malformed reward table: ") + e.getDescription().cStr());
  }
  version_ = snapshot.getVersion();
  instance_ = snapshot.getInstance();
  return Status::ok();
}

torch::Tensor IntrinsicRewardTable::lookup(const std::vector<std::string>& texts, const torch::Tensor& message_ids) const {
  const int64_t T = message_ids.size(0), B = message_ids.size(1);
  // Per distinct text once, then per step an index: unrolls repeat few texts many times.
  std::vector<float> by_id(texts.size(), 0.0f);
  for (std::size_t i = 0; i < texts.size(); ++i)
    if (auto it = table_.find(texts[i]); it != table_.end()) by_id[i] = it->second;
  auto out = torch::zeros({T, B});
  const auto ids = message_ids.to(torch::kInt64).contiguous();
  const int64_t* id = ids.data_ptr<int64_t>();
  float* o = out.data_ptr<float>();
  for (int64_t t = 0; t < T; ++t)
    for (int64_t b = 0; b < B; ++b) {
      const int64_t k = id[t * B + b];
      o[t * B + b] = (k >= 0 && k < static_cast<int64_t>(by_id.size())) ? by_id[static_cast<std::size_t>(k)] : 0.0f;
    }
  return out;
}

void countMessages(const std::vector<std::string>& texts, const torch::Tensor& message_ids, std::unordered_map<std::string, uint32_t>& counts) {
  // Per distinct id first, then one map update per text: unrolls repeat few texts.
  std::vector<uint32_t> by_id(texts.size(), 0);
  const auto ids = message_ids.to(torch::kInt64).contiguous();
  const int64_t* id = ids.data_ptr<int64_t>();
  const int64_t n = ids.numel();
  for (int64_t i = 0; i < n; ++i)
    if (id[i] >= 0 && id[i] < static_cast<int64_t>(by_id.size())) ++by_id[static_cast<std::size_t>(id[i])];
  for (std::size_t i = 0; i < texts.size(); ++i)
    if (by_id[i] > 0) counts[texts[i]] += by_id[i];
}

}  // namespace spur
