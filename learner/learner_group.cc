#include "learner/learner_group.h"

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/Store.hpp>
#include <torch/torch.h>

#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <zmq.hpp>

#include "core/curve.h"
#include "core/status.h"
#include "core/transport.h"

namespace spur {
namespace {

std::chrono::milliseconds millis(double seconds) { return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000)); }

// c10::Error's what() carries a C++ backtrace; the one-line form is what a user can read.
std::string reason(const std::exception& e) {
  if (const auto* c = dynamic_cast<const c10::Error*>(&e)) return c->what_without_backtrace();
  return e.what();
}

class SingleRank : public LearnerGroup {
 public:
  int rank() const override { return 0; }
  int worldSize() const override { return 1; }
  void allReduceSum(std::span<float>) override {}
  void allReduceSum(std::span<double>) override {}
};

// The ranks' rendezvous: a key-value store that rank 0 serves over ZeroMQ, under the run's
// CURVE keys when transport.curve is on and bound to the rendezvous host only (LibTorch's
// TCPStore has neither authentication nor a bind address). Gloo uses it only while the group
// forms: each rank publishes its address under a key and waits for the others'. Requests are
// [op, key, value] frames; blocking gets and waits poll, with the store's timeout.
class ZmqStore : public c10d::Store {
 public:
  ZmqStore(const std::string& host, int port, bool serve, const std::shared_ptr<const CurveKeys>& curve, std::chrono::milliseconds timeout)
      : c10d::Store(timeout), client_(ctx_, zmq::socket_type::req) {
    const std::string address = "tcp://" + host + ":" + std::to_string(port);
    if (serve) server_.emplace(address, curve);
    if (curve) makeCurveClient(client_, *curve);
    client_.set(zmq::sockopt::linger, 0);
    client_.set(zmq::sockopt::req_relaxed, 1);    // a request may follow one that timed out
    client_.set(zmq::sockopt::req_correlate, 1);  // ... and its late reply is dropped
    client_.connect(address);
  }

  void set(const std::string& key, const std::vector<uint8_t>& value) override { call("set", key, value); }
  std::vector<uint8_t> get(const std::string& key) override {
    waitFor({key}, timeout_);
    return *call("get", key);
  }
  int64_t add(const std::string& key, int64_t value) override {
    const std::string text = std::to_string(value);
    const auto reply = call("add", key, std::vector<uint8_t>(text.begin(), text.end()));
    return std::stoll(std::string(reply->begin(), reply->end()));
  }
  bool deleteKey(const std::string& key) override { return call("del", key).has_value(); }
  bool check(const std::vector<std::string>& keys) override {
    for (const auto& k : keys)
      if (!call("get", k)) return false;
    return true;
  }
  int64_t getNumKeys() override {
    const auto reply = call("num", "");
    return std::stoll(std::string(reply->begin(), reply->end()));
  }
  void wait(const std::vector<std::string>& keys) override { waitFor(keys, timeout_); }
  void wait(const std::vector<std::string>& keys, const std::chrono::milliseconds& timeout) override { waitFor(keys, timeout); }
  // LibTorch 2.x asks stores for a copy of themselves; no override keyword, as 1.13 has none.
  c10::intrusive_ptr<c10d::Store> clone() { throw Error(StatusCode::kFailedPrecondition, "the learner ranks' rendezvous store cannot be cloned"); }

 private:
  // Rank 0's server thread: owns the map; joined by the destructor.
  class Server {
   public:
    Server(const std::string& address, const std::shared_ptr<const CurveKeys>& curve) : socket_(ctx_, zmq::socket_type::router) {
      if (curve) {
        zap_.emplace(ctx_, curve->allowed);
        makeCurveServer(socket_, *curve);
      }
      socket_.set(zmq::sockopt::linger, 0);
      socket_.set(zmq::sockopt::rcvtimeo, 100);  // to see stop_
      socket_.bind(address);
      thread_ = std::thread([this] { serve(); });
    }
    ~Server() {
      stop_ = true;
      thread_.join();
    }

   private:
    void serve() {
      while (!stop_) {
        std::vector<zmq::message_t> frames;
        zmq::message_t first;
        try {
          if (!socket_.recv(first)) continue;
        } catch (const zmq::error_t&) {
          continue;  // EINTR
        }
        frames.push_back(std::move(first));
        while (frames.back().more() && frames.size() < 8) {
          zmq::message_t next;
          if (!socket_.recv(next, zmq::recv_flags::dontwait)) break;
          frames.push_back(std::move(next));
        }
        // [identity, request id (req_correlate), empty, op, key, value]: anything else is dropped.
        if (frames.size() != 6 || frames[2].size() != 0) continue;
        const std::string op = frames[3].to_string(), key = frames[4].to_string();
        std::optional<std::string> value;
        if (op == "set") {
          map_[key] = frames[5].to_string();
          value = "";
        } else if (op == "get") {
          if (auto it = map_.find(key); it != map_.end()) value = it->second;
        } else if (op == "add") {
          int64_t add = 0;
          try {
            add = std::stoll(frames[5].to_string());
          } catch (const std::exception&) {
            continue;
          }
          auto& slot = map_[key];
          int64_t now = 0;
          try {
            now = slot.empty() ? 0 : std::stoll(slot);
          } catch (const std::exception&) {
          }
          slot = std::to_string(now + add);
          value = slot;
        } else if (op == "del") {
          if (map_.erase(key)) value = "";
        } else if (op == "num") {
          value = std::to_string(map_.size());
        } else {
          continue;
        }
        for (int i = 0; i < 3; ++i) (void)socket_.send(frames[static_cast<std::size_t>(i)], zmq::send_flags::sndmore);
        (void)socket_.send(zmq::buffer(std::string(value ? "1" : "0")), zmq::send_flags::sndmore);
        (void)socket_.send(zmq::buffer(value ? *value : std::string()), zmq::send_flags::none);
      }
    }
    zmq::context_t ctx_{1};
    std::optional<ZapAuthenticator> zap_;  // before the CURVE bind on this context
    zmq::socket_t socket_;
    std::atomic<bool> stop_{false};
    std::map<std::string, std::string> map_;
    std::thread thread_;
  };

  // One request; nullopt when the server answers "no such key". Throws Error(kUnavailable)
  // when rank 0 does not answer within the store's timeout.
  std::optional<std::vector<uint8_t>> call(const std::string& op, const std::string& key, const std::vector<uint8_t>& value = {}) {
    std::lock_guard<std::mutex> lock(mu_);
    client_.set(zmq::sockopt::sndtimeo, static_cast<int>(timeout_.count()));
    client_.set(zmq::sockopt::rcvtimeo, static_cast<int>(timeout_.count()));
    if (!client_.send(zmq::buffer(op), zmq::send_flags::sndmore) || !client_.send(zmq::buffer(key), zmq::send_flags::sndmore) ||
        !client_.send(zmq::buffer(value), zmq::send_flags::none))
      throw Error(StatusCode::kUnavailable, "the learner ranks' rendezvous: cannot reach rank 0's store");
    zmq::message_t found, body;
    if (!client_.recv(found) || !found.more() || !client_.recv(body))
      throw Error(StatusCode::kUnavailable, "the learner ranks' rendezvous: rank 0's store did not answer within learner.dist_timeout_s");
    if (found.to_string() != "1") return std::nullopt;
    const auto* p = static_cast<const uint8_t*>(body.data());
    return std::vector<uint8_t>(p, p + body.size());
  }
  void waitFor(const std::vector<std::string>& keys, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!check(keys)) {
      if (std::chrono::steady_clock::now() > deadline)
        throw Error(StatusCode::kUnavailable, "the learner ranks' rendezvous: not every rank joined within learner.dist_timeout_s");
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  zmq::context_t ctx_{1};
  std::optional<Server> server_;
  std::mutex mu_;
  zmq::socket_t client_;
};

// c10d's ProcessGroupGloo over the ZmqStore that rank 0 serves. Gloo's ring all-reduce ends
// with every rank holding the same reduced bytes, which is what keeps the ranks' parameters
// bit-identical.
class GlooGroup : public LearnerGroup {
 public:
  explicit GlooGroup(const LearnerGroupOptions& o) : o_(o) {
    const auto colon = o.rendezvous.rfind(':');
    if (colon == std::string::npos || colon == 0)
      throw Error(StatusCode::kInvalidArgument, "learner.dist_address: '" + o.rendezvous + "' is not HOST:PORT");
    const std::string host = o.rendezvous.substr(0, colon);
    int port = 0;
    try {
      port = std::stoi(o.rendezvous.substr(colon + 1));
    } catch (const std::exception&) {
    }
    if (port <= 0 || port > 65535) throw Error(StatusCode::kInvalidArgument, "learner.dist_address: '" + o.rendezvous + "' has no valid port");
    try {
      store_ = c10::make_intrusive<ZmqStore>(o.rank == 0 && !o.interface_host.empty() ? o.interface_host : host, port, o.rank == 0, o.curve,
                                             millis(o.timeout_s));
      auto po = c10d::ProcessGroupGloo::Options::create(millis(o.timeout_s));
      po->threads = 1;  // one collective at a time; the update's own threads do the work
      const bool loopback = host == "127.0.0.1" || host == "localhost" || host == "::1";
      if (!o.interface_host.empty()) po->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(o.interface_host));
      else if (loopback) po->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
      else po->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
      pg_ = c10::make_intrusive<c10d::ProcessGroupGloo>(store_, o.rank, o.world_size, po);
    } catch (const std::exception& e) {
      throw Error(StatusCode::kUnavailable, "learner rank " + std::to_string(o.rank) + " of " + std::to_string(o.world_size) + ": cannot join the group at " +
                                                o.rendezvous + ": " + reason(e));
    }
  }
  int rank() const override { return o_.rank; }
  int worldSize() const override { return o_.world_size; }
  void allReduceSum(std::span<float> data) override { reduce(torch::from_blob(data.data(), {static_cast<int64_t>(data.size())}, torch::kFloat32)); }
  void allReduceSum(std::span<double> data) override { reduce(torch::from_blob(data.data(), {static_cast<int64_t>(data.size())}, torch::kFloat64)); }

 private:
  void reduce(torch::Tensor t) {
    if (failed_) throw Error(StatusCode::kUnavailable, "learner rank " + std::to_string(o_.rank) + ": the group failed earlier");
    try {
      std::vector<torch::Tensor> tensors{t};
      pg_->allreduce(tensors)->wait();
    } catch (const std::exception& e) {
      failed_ = true;
      throw Error(StatusCode::kUnavailable, "learner rank " + std::to_string(o_.rank) + " of " + std::to_string(o_.world_size) +
                                                ": a collective with the other learner ranks failed (a rank stopped or is unreachable): " + reason(e));
    }
  }

  LearnerGroupOptions o_;
  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg_;
  bool failed_ = false;
};

}  // namespace

#ifndef SPUR_CUDA
std::unique_ptr<LearnerGroup> joinNcclGroup(const LearnerGroupOptions&) {
  throw Error(StatusCode::kFailedPrecondition, "learner ranks on CUDA devices need NCCL: this spur is built against a CPU LibTorch (build with SPUR_CUDA=1 ./spur build)");
}
#endif

std::unique_ptr<LearnerGroup> joinLearnerGroup(const LearnerGroupOptions& o) {
  if (o.world_size < 1) throw Error(StatusCode::kInvalidArgument, "learner.world_size must be >= 1");
  if (o.rank < 0 || o.rank >= o.world_size)
    throw Error(StatusCode::kInvalidArgument, "learner rank " + std::to_string(o.rank) + " is outside learner.world_size " + std::to_string(o.world_size));
  if (o.timeout_s <= 0) throw Error(StatusCode::kInvalidArgument, "learner.dist_timeout_s must be > 0");
  if (o.world_size == 1) return std::make_unique<SingleRank>();
  if (o.cuda_device >= 0) return joinNcclGroup(o);
  return std::make_unique<GlooGroup>(o);
}

}  // namespace spur
