#include "learner/unroll_receiver.h"

#include <kj/exception.h>
#include <spdlog/spdlog.h>

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
        {"rewards", {DType::kFloat32, {T, B}}},
        {"dones", {DType::kUInt8, {T, B}}},
        {"message_ids", {DType::kInt32, {T + 1, B}}},
        {"message_counts", {DType::kInt32, {T + 1, B}}},
        {"rnn_state", {DType::kFloat32, {B, L.state_size}}},
    };
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
    if (!torch::isfinite(out->logits).all().item<bool>() || !torch::isfinite(out->rewards).all().item<bool>())
      return Status::invalidArgument("unroll has non-finite logits or rewards");
    out->messages.clear();
    for (auto m : messages) out->messages.emplace_back(m.cStr());
    out->episodes.clear();
    for (auto e : u.getEpisodes())
      out->episodes.push_back({e.getEpisodeReturn(), e.getLength(), e.getEndStatus(), e.getDepth(), e.getGold(), e.getScore()});
    out->policy_version = u.getPolicyVersion();
    out->actor = u.getSender().getRank();
  } catch (const kj::Exception& e) {
    return Status::dataLoss(std::string("malformed unroll: ") + e.getDescription().cStr());
  }
  return Status::ok();
}

UnrollReceiver::UnrollReceiver(zmq::context_t& ctx, const std::string& address, int high_water_mark, UnrollLayout layout,
                               std::size_t capacity, int64_t max_policy_lag)
    : socket_(MessageSocket::bind(ctx, SocketKind::kPull, address, [&] {
        SocketOptions o;
        o.high_water_mark = high_water_mark;
        return o;
      }())),
      layout_(std::move(layout)),
      capacity_(capacity),
      max_lag_(max_policy_lag) {
  address_ = socket_.lastEndpoint();
  thread_ = std::thread([this] { loop(); });
}

UnrollReceiver::~UnrollReceiver() {
  stop_ = true;
  not_full_.notify_all();
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
    std::unique_lock<std::mutex> lock(mu_);
    not_full_.wait(lock, [&] { return stop_ || queue_.size() < capacity_; });
    if (stop_) return;
    queue_.push_back(std::move(data));
    not_empty_.notify_one();
  }
}

std::optional<UnrollData> UnrollReceiver::pop(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!not_empty_.wait_for(lock, timeout, [&] { return !queue_.empty(); })) return std::nullopt;
  UnrollData d = std::move(queue_.front());
  queue_.pop_front();
  not_full_.notify_one();
  return d;
}

std::size_t UnrollReceiver::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

}  // namespace spur
