#include "actors/unroll_builder.h"

#include <cstring>

#include "core/schema/spur.capnp.h"
#include "core/status.h"
#include "models/torch_codec.h"

namespace spur {

UnrollBuilder::UnrollBuilder(const EnvSpec& spec, int64_t steps, int64_t envs, int64_t state_size)
    : spec_(spec), T_(steps), B_(envs), A_(spec.actions.size()), S_(state_size) {
  for (const auto& s : spec_.observations) {
    std::vector<int64_t> shape{T_ + 1, B_};
    shape.insert(shape.end(), s.shape.begin(), s.shape.end());
    obs_.push_back(torch::zeros(shape, torch::TensorOptions().dtype(toTorch(s.dtype))));
    obs_base_.push_back(static_cast<uint8_t*>(obs_.back().data_ptr()));
    obs_bytes_.push_back(s.bytes());
  }
  if (spec_.masked_actions) mask_ = torch::ones({T_ + 1, B_, A_}, torch::kUInt8);
  actions_ = torch::zeros({T_, B_}, torch::kInt64);
  logits_ = torch::zeros({T_, B_, A_}, torch::kFloat32);
  logp_ = torch::zeros({T_, B_}, torch::kFloat32);
  rewards_ = torch::zeros({T_, B_}, torch::kFloat32);
  dones_ = torch::zeros({T_, B_}, torch::kUInt8);
  message_ids_ = torch::zeros({T_, B_}, torch::kInt32);
  message_counts_ = torch::zeros({T_, B_}, torch::kInt32);
  initial_state_ = torch::zeros({B_, S_}, torch::kFloat32);
}

void UnrollBuilder::recordObservation(int64_t t, int64_t b, const Env& env) {
  // Raw copies: indexing torch tensors per env and step costs microseconds each and
  // doubled the actor's cost.
  const std::size_t slot = static_cast<std::size_t>(t * B_ + b);
  for (std::size_t i = 0; i < obs_base_.size(); ++i) std::memcpy(obs_base_[i] + slot * obs_bytes_[i], env.observation(i).data, obs_bytes_[i]);
  if (mask_.defined()) {
    uint8_t* row = mask_.data_ptr<uint8_t>() + slot * static_cast<std::size_t>(A_);
    const auto mask = env.actionMask();
    if (mask.empty()) std::memset(row, 1, static_cast<std::size_t>(A_));
    else {
      SPUR_CHECK(static_cast<int64_t>(mask.size()) == A_, "Env::actionMask() must have actionSpace().size() entries");
      std::memcpy(row, mask.data(), static_cast<std::size_t>(A_));
    }
  }
}

void UnrollBuilder::recordStep(int64_t t, int64_t b, const StepResult& result, std::string_view message, int32_t count) {
  const int64_t slot = t * B_ + b;
  rewards_.data_ptr<float>()[slot] = static_cast<float>(result.reward);
  dones_.data_ptr<uint8_t>()[slot] = result.done ? 1 : 0;
  auto it = message_index_.find(message);
  if (it == message_index_.end()) {
    it = message_index_.emplace(std::string(message), static_cast<int32_t>(messages_.size())).first;
    messages_.emplace_back(message);
  }
  message_ids_.data_ptr<int32_t>()[slot] = it->second;
  message_counts_.data_ptr<int32_t>()[slot] = count;
}

ObsMap UnrollBuilder::observations(int64_t t) const {
  ObsMap m;
  for (std::size_t i = 0; i < obs_.size(); ++i) m[spec_.observations[i].name] = obs_[i].slice(0, t, t + 1);
  return m;
}

const uint8_t* UnrollBuilder::actionMask(int64_t t) const {
  return mask_.defined() ? mask_.data_ptr<uint8_t>() + t * B_ * A_ : nullptr;
}

void UnrollBuilder::build(capnp::MessageBuilder& msg, const UnrollHeader& h) const {
  auto u = msg.initRoot<schema::Unroll>();
  u.setSchemaVersion(schema::CURRENT_VERSION);
  u.getSender().setRole(schema::Role::ACTOR);
  u.getSender().setRank(h.actor_rank);
  u.setPolicyVersion(h.policy_version);
  u.setNumSteps(static_cast<uint32_t>(T_));
  u.setNumEnvs(static_cast<uint32_t>(B_));
  u.setEnvFrames(h.env_frames);
  auto tensors = u.initTensors(static_cast<unsigned>(obs_.size() + (mask_.defined() ? 1 : 0) + 8));
  unsigned k = 0;
  for (std::size_t i = 0; i < obs_.size(); ++i) writeTorchTensor(tensors[k++], "obs/" + spec_.observations[i].name, obs_[i]);
  if (mask_.defined()) writeTorchTensor(tensors[k++], "action_mask", mask_);
  writeTorchTensor(tensors[k++], "actions", actions_);
  writeTorchTensor(tensors[k++], "logits", logits_);
  writeTorchTensor(tensors[k++], "behaviour_logp", logp_);
  writeTorchTensor(tensors[k++], "rewards", rewards_);
  writeTorchTensor(tensors[k++], "dones", dones_);
  writeTorchTensor(tensors[k++], "message_ids", message_ids_);
  writeTorchTensor(tensors[k++], "message_counts", message_counts_);
  writeTorchTensor(tensors[k++], "rnn_state", initial_state_);
  auto texts = u.initMessages(static_cast<unsigned>(messages_.size()));
  for (std::size_t i = 0; i < messages_.size(); ++i) texts.set(static_cast<unsigned>(i), messages_[i]);
  auto eps = u.initEpisodes(static_cast<unsigned>(episodes_.size()));
  for (std::size_t i = 0; i < episodes_.size(); ++i) {
    auto e = eps[static_cast<unsigned>(i)];
    e.setEpisodeReturn(episodes_[i].episode_return);
    e.setLength(episodes_[i].length);
    e.setEndStatus(static_cast<int32_t>(episodes_[i].end_status));
    auto metrics = e.initMetrics(static_cast<unsigned>(episodes_[i].metrics.size()));
    for (std::size_t j = 0; j < episodes_[i].metrics.size(); ++j) {
      metrics[static_cast<unsigned>(j)].setName(episodes_[i].metrics[j].name);
      metrics[static_cast<unsigned>(j)].setValue(episodes_[i].metrics[j].value);
    }
  }
}

void UnrollBuilder::startNext() {
  for (auto& o : obs_) o[0].copy_(o[T_]);
  if (mask_.defined()) mask_[0].copy_(mask_[T_]);
  messages_.clear();
  message_index_.clear();
  episodes_.clear();
}

}  // namespace spur
