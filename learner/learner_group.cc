#include "learner/learner_group.h"

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/torch.h>

#include <chrono>
#include <stdexcept>

#include "core/status.h"

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

// c10d's ProcessGroupGloo over a TCPStore that rank 0 serves. Gloo's ring all-reduce ends
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
      c10d::TCPStoreOptions so;
      so.port = static_cast<uint16_t>(port);
      so.isServer = o.rank == 0;
      so.numWorkers = static_cast<std::size_t>(o.world_size);
      so.timeout = millis(o.timeout_s);
      store_ = c10::make_intrusive<c10d::TCPStore>(host, so);
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
