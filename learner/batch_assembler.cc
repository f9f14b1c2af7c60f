#include "learner/batch_assembler.h"

namespace spur {

AssembledBatch assembleBatch(const std::vector<UnrollData>& unrolls, const UnrollLayout& layout, const RewardOptions& reward,
                             const IntrinsicRewardTable* rewards) {
  AssembledBatch out;
  TrainBatch& b = out.batch;
  std::vector<torch::Tensor> parts;
  auto cat = [&](auto member, int dim) {
    parts.clear();
    for (const auto& u : unrolls) parts.push_back(u.*member);
    return torch::cat(parts, dim);
  };
  for (const auto& s : layout.observations) {
    parts.clear();
    for (const auto& u : unrolls) parts.push_back(u.obs.at(s.name));
    b.obs[s.name] = torch::cat(parts, 1);
  }
  b.actions = cat(&UnrollData::actions, 1);
  b.behaviour_logits = cat(&UnrollData::logits, 1);
  b.behaviour_logp = cat(&UnrollData::behaviour_logp, 1);
  if (layout.masked_actions) b.action_mask = cat(&UnrollData::action_mask, 1);
  b.dones = cat(&UnrollData::dones, 1).to(torch::kFloat32);
  b.initial_state = cat(&UnrollData::rnn_state, 0);
  const auto counts = cat(&UnrollData::message_counts, 1);  // each step's resulting message's count in its episode
  out.extrinsic = cat(&UnrollData::rewards, 1);
  if (rewards) {
    // Texts are per unroll (deduplicated there), so the lookup is too.
    parts.clear();
    for (const auto& u : unrolls) {
      parts.push_back(rewards->lookup(u.messages, u.message_ids));
      countMessages(u.messages, u.message_ids, out.messages);
    }
    out.intrinsic = torch::cat(parts, 1);
  }
  b.rewards = combineRewards(reward, out.extrinsic, out.intrinsic, counts);
  out.frames = b.actions.numel();
  return out;
}

}  // namespace spur
