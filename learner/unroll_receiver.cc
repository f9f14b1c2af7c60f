#include "learner/unroll_receiver.h"

#include <kj/exception.h>
#include <spdlog/spdlog.h>

#include <cmath>
#include <set>

#include "core/tensor_codec.h"
#include "models/torch_codec.h"

namespace spur {
namespace {

std::vector<int64_t> withTB(int64_t t, int64_t b, const std::vector<int64_t>& rest) {
  std::vector<int64_t> s{t, b};
  s.insert(s.end(), rest.begin(), rest.end());
  return s;
}

}  // namespace

Status readUnroll(schema::Unroll::Reader u, const UnrollLayout& L, UnrollData* out) {
  try {
    if (u.getSchemaVersion() != schema::CURRENT_VERSION)
      return Status::invalidArgument("unroll of schema version " + std::to_string(u.getSchemaVersion()) + ", expected " +
                                     std::to_string(schema::CURRENT_VERSION));
    if (u.getNumSteps() != L.steps || u.getNumEnvs() != L.envs)
      return Status::invalidArgument("unroll of " + std::to_string(u.getNumSteps()) + " steps x " + std::to_string(u.getNumEnvs()) + " envs, expected " +
                                     std::to_string(L.steps) + " x " + std::to_string(L.envs));
    const int64_t T = L.steps, B = L.envs;
    std::map<std::string, std::pair<DType, std::vector<int64_t>>> want{
        {"actions", {DType::kInt64, {T, B}}},
        {"logits", {DType::kFloat32, {T, B, L.num_actions}}},
        {"behaviour_logp", {DType::kFloat32, {T, B}}},
        {"rewards", {DType::kFloat32, {T, B}}},
        {"dones", {DType::kUInt8, {T, B}}},
        {"message_ids", {DType::kInt32, {T, B}}},
        {"message_counts", {DType::kInt32, {T, B}}},
        {"rnn_state", {DType::kFloat32, {B, L.state_size}}},
    };
    if (L.masked_actions) want["action_mask"] = {DType::kUInt8, {T + 1, B, L.num_actions}};
    for (const auto& s : L.observations) want["obs/" + s.name] = {s.dtype, withTB(T + 1, B, s.shape)};
    std::set<std::string> seen;
    for (auto t : u.getTensors()) {
      TensorRef ref;
      if (Status s = readTensor(t, &ref); !s.isOk()) return s;
      auto it = want.find(ref.name);
      if (it == want.end()) return Status::invalidArgument("unroll carries unexpected tensor '" + ref.name + "'");
      if (!seen.insert(ref.name).second) return Status::invalidArgument("unroll carries tensor '" + ref.name + "' twice");
      if (Status s = expectTensor(ref, it->second.first, it->second.second); !s.isOk()) return s;
      torch::Tensor x = toTorchTensor(ref);
      if (ref.name.rfind("obs/", 0) == 0) out->obs[ref.name.substr(4)] = x;
      else if (ref.name == "actions") out->actions = x;
      else if (ref.name == "logits") out->logits = x;
      else if (ref.name == "behaviour_logp") out->behaviour_logp = x;
      else if (ref.name == "action_mask") out->action_mask = x;
      else if (ref.name == "rewards") out->rewards = x;
      else if (ref.name == "dones") out->dones = x;
      else if (ref.name == "message_ids") out->message_ids = x;
      else if (ref.name == "message_counts") out->message_counts = x;
      else if (ref.name == "rnn_state") out->rnn_state = x;
    }
    for (const auto& [name, _] : want)
      if (!seen.count(name)) return Status::invalidArgument("unroll lacks tensor '" + name + "'");
    // Values, not only shapes: indices must be usable.
    if (out->actions.min().item<int64_t>() < 0 || out->actions.max().item<int64_t>() >= L.num_actions)
      return Status::invalidArgument("unroll has actions outside [0, " + std::to_string(L.num_actions) + ")");
    const auto messages = u.getMessages();
    if (out->message_ids.min().item<int32_t>() < 0 || out->message_ids.max().item<int32_t>() >= static_cast<int32_t>(messages.size()))
      return Status::invalidArgument("unroll has message ids outside its " + std::to_string(messages.size()) + " messages");
    if (!torch::isfinite(out->logits).all().item<bool>() || !torch::isfinite(out->rewards).all().item<bool>() ||
        !torch::isfinite(out->behaviour_logp).all().item<bool>())
      return Status::invalidArgument("unroll has non-finite logits, log-probabilities or rewards");
    if (out->behaviour_logp.max().item<float>() > 1e-4f) return Status::invalidArgument("unroll has behaviour log-probabilities above 0");
    if (out->message_counts.min().item<int32_t>() < 1) return Status::invalidArgument("unroll has message counts below 1");
    if (out->action_mask.defined()) {
      // The action taken at step t must be valid in observation t, and every observation
      // must offer at least one action.
      const auto taken = out->action_mask.slice(0, 0, T).gather(2, out->actions.unsqueeze(-1));
      if (taken.min().item<uint8_t>() == 0) return Status::invalidArgument("unroll has an action that its action_mask marks invalid");
      if (out->action_mask.amax(2).min().item<uint8_t>() == 0) return Status::invalidArgument("unroll has an observation with no valid action");
    }
    out->messages.clear();
    for (auto m : messages) out->messages.emplace_back(m.cStr());
    out->episodes.clear();
    for (auto e : u.getEpisodes()) {
      EpisodeSummary summary{e.getEpisodeReturn(), e.getLength(), e.getEndStatus(), {}};
      for (auto m : e.getMetrics()) {
        if (!std::isfinite(m.getValue())) return Status::invalidArgument("unroll has a non-finite episode metric '" + std::string(m.getName().cStr()) + "'");
        summary.metrics.emplace_back(m.getName().cStr(), m.getValue());
      }
      out->episodes.push_back(std::move(summary));
    }
    out->policy_version = u.getPolicyVersion();
    out->actor = u.getSender().getRank();
  } catch (const kj::Exception& e) {
    return Status::dataLoss(std::string("malformed unroll: ") + e.getDescription().cStr());
  }
  return Status::ok();
}

UnrollReceiver::UnrollReceiver(zmq::context_t& ctx, const std::string& address, int high_water_mark, UnrollLayout layout,
                               std::size_t capacity, int64_t max_policy_lag, std::shared_ptr<const CurveKeys> curve)
    : socket_(MessageSocket::bind(ctx, SocketKind::kPull, address, [&] {
        SocketOptions o;
        o.high_water_mark = high_water_mark;
        o.curve = curve;
        return o;
      }())),
      layout_(std::move(layout)),
      max_lag_(max_policy_lag),
      queue_(capacity) {
  address_ = socket_.lastEndpoint();
  thread_ = std::thread([this] { loop(); });
}

UnrollReceiver::~UnrollReceiver() {
  stop_ = true;
  queue_.close();  // wakes the thread if it waits on a full queue
  thread_.join();
}

void UnrollReceiver::loop() {
  using namespace std::chrono_literals;
  while (!stop_) {
    auto msg = socket_.receive(100ms);
    if (!msg) continue;
    UnrollData data;
    Status s = msg->parse();
    if (s.isOk()) s = readUnroll(msg->root<schema::Unroll>(), layout_, &data);
    if (!s.isOk()) {
      const auto n = ++counters_.dropped_malformed;
      spdlog::warn("learner: dropped a bad unroll ({} bytes): {} [{} dropped so far]", msg->size(), s.message(), n);
      continue;
    }
    const uint64_t now = version_;
    if (now > data.policy_version && static_cast<int64_t>(now - data.policy_version) > max_lag_) {
      ++counters_.dropped_stale;
      continue;
    }
    ++counters_.received;
    // Waits while the queue is full: ZeroMQ's buffer fills and actors' sends wait.
    if (!queue_.push(std::move(data))) return;  // closed: stopping
  }
}

std::optional<UnrollData> UnrollReceiver::pop(std::chrono::milliseconds timeout) { return queue_.pop(timeout); }

}  // namespace spur
