// The learner group on GPUs: raw NCCL (GetUniqueId, CommInitRank, AllReduce, CommDestroy /
// CommAbort), the API that stayed stable across LibTorch versions where c10d's
// ProcessGroupNCCL did not. Compiled only in the CUDA build (SPUR_CUDA).
#include <ATen/cuda/CUDAContext.h>
#include <cuda_runtime.h>
#include <nccl.h>

#include <chrono>
#include <cstring>
#include <thread>
#include <zmq.hpp>

#include "core/status.h"
#include "learner/learner_group.h"

namespace spur {
namespace {

using Clock = std::chrono::steady_clock;

class NcclGroup : public LearnerGroup {
 public:
  explicit NcclGroup(const LearnerGroupOptions& o) : o_(o) {
    const auto colon = o.rendezvous.rfind(':');
    if (colon == std::string::npos || colon == 0) throw Error(StatusCode::kInvalidArgument, "learner.dist_address: '" + o.rendezvous + "' is not HOST:PORT");
    const std::string host = o.rendezvous.substr(0, colon), port = o.rendezvous.substr(colon + 1);
    check(cudaSetDevice(o.cuda_device), "cudaSetDevice");
    ncclUniqueId id;
    // The id travels over ZeroMQ REQ/REP: rank 0 answers each other rank once.
    zmq::context_t ctx(1);
    const int timeout_ms = static_cast<int>(o.timeout_s * 1000);
    if (o.rank == 0) {
      checkNccl(ncclGetUniqueId(&id), "ncclGetUniqueId");
      zmq::socket_t rep(ctx, zmq::socket_type::rep);
      rep.set(zmq::sockopt::linger, 0);
      rep.set(zmq::sockopt::rcvtimeo, timeout_ms);
      const bool loopback = host == "127.0.0.1" || host == "localhost";
      rep.bind("tcp://" + std::string(loopback ? "127.0.0.1" : "*") + ":" + port);
      for (int i = 1; i < o.world_size; ++i) {
        zmq::message_t request;
        if (!rep.recv(request)) fail("rank " + std::to_string(o.rank) + ": not every rank asked for NCCL's id within learner.dist_timeout_s");
        rep.send(zmq::buffer(&id, sizeof id), zmq::send_flags::none);
      }
    } else {
      zmq::socket_t req(ctx, zmq::socket_type::req);
      req.set(zmq::sockopt::linger, 0);
      req.set(zmq::sockopt::rcvtimeo, timeout_ms);
      req.connect("tcp://" + host + ":" + port);
      req.send(zmq::str_buffer("nccl-id"), zmq::send_flags::none);
      zmq::message_t reply;
      if (!req.recv(reply) || reply.size() != sizeof id) fail("no NCCL id from rank 0 at " + o.rendezvous + " within learner.dist_timeout_s");
      std::memcpy(&id, reply.data(), sizeof id);
    }
    checkNccl(ncclCommInitRank(&comm_, o.world_size, id, o.rank), "ncclCommInitRank");
  }
  ~NcclGroup() override {
    if (comm_) (failed_ ? ncclCommAbort(comm_) : ncclCommDestroy(comm_));
  }
  int rank() const override { return o_.rank; }
  int worldSize() const override { return o_.world_size; }
  void allReduceSum(std::span<float> data) override { reduce(data.data(), data.size(), ncclFloat32); }
  void allReduceSum(std::span<double> data) override { reduce(data.data(), data.size(), ncclFloat64); }

 private:
  [[noreturn]] void fail(const std::string& why) {
    failed_ = true;
    throw Error(StatusCode::kUnavailable, "learner rank " + std::to_string(o_.rank) + " of " + std::to_string(o_.world_size) + " (NCCL): " + why);
  }
  void check(cudaError_t e, const char* what) {
    if (e != cudaSuccess) fail(std::string(what) + ": " + cudaGetErrorString(e));
  }
  void checkNccl(ncclResult_t r, const char* what) {
    if (r != ncclSuccess && r != ncclInProgress) fail(std::string(what) + ": " + ncclGetErrorString(r) + (comm_ ? std::string(" ") + ncclGetLastError(comm_) : ""));
  }
  // Enqueued on the current torch stream (ordered after the backward pass that wrote the
  // gradients), then waited for here with the timeout: a rank that died leaves the
  // collective pending forever, which NCCL only reports through the async error.
  void reduce(void* data, std::size_t n, ncclDataType_t type) {
    if (failed_) fail("the group failed earlier");
    cudaStream_t stream = at::cuda::getCurrentCUDAStream(static_cast<c10::DeviceIndex>(o_.cuda_device)).stream();
    checkNccl(ncclAllReduce(data, data, n, type, ncclSum, comm_, stream), "ncclAllReduce");
    const auto deadline = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(o_.timeout_s * 1000));
    while (true) {
      const cudaError_t q = cudaStreamQuery(stream);
      if (q == cudaSuccess) return;
      if (q != cudaErrorNotReady) check(q, "the all-reduce");
      ncclResult_t async = ncclSuccess;
      ncclCommGetAsyncError(comm_, &async);
      if (async != ncclSuccess && async != ncclInProgress) checkNccl(async, "a collective with the other learner ranks (a rank stopped or is unreachable)");
      if (Clock::now() > deadline) fail("the all-reduce did not finish within learner.dist_timeout_s (a rank stopped or is unreachable)");
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }

  LearnerGroupOptions o_;
  ncclComm_t comm_ = nullptr;
  bool failed_ = false;
};

}  // namespace

std::unique_ptr<LearnerGroup> joinNcclGroup(const LearnerGroupOptions& o) { return std::make_unique<NcclGroup>(o); }

}  // namespace spur
