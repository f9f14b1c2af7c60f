// The learner group on GPUs: raw NCCL (GetUniqueId, CommInitRankConfig, AllReduce,
// CommDestroy / CommAbort), the API that stayed stable across LibTorch versions where
// c10d's ProcessGroupNCCL did not. Compiled only in the CUDA build (SPUR_CUDA).
//
// Every wait is bounded by learner.dist_timeout_s: the communicator is non-blocking, so its
// set-up and every collective are polled (ncclCommGetAsyncError) against a deadline and the
// stop flag. Any failure aborts the communicator at once (ncclCommAbort): a collective
// whose peer died stays on the stream forever otherwise, and the device-to-host copies of
// the checkpoint that follows would queue behind it.
#include <ATen/cuda/CUDAContext.h>
#include <cuda_runtime.h>
#include <nccl.h>

#include <chrono>
#include <cstring>
#include <optional>
#include <thread>
#include <zmq.hpp>

#include "core/status.h"
#include "core/transport.h"
#include "learner/learner_group.h"

namespace spur {
namespace {

using Clock = std::chrono::steady_clock;

class NcclGroup : public LearnerGroup {
 public:
  explicit NcclGroup(const LearnerGroupOptions& o) : o_(o) {
    check(cudaSetDevice(o.cuda_device), "cudaSetDevice");
    const ncclUniqueId id = exchangeUniqueId();
    ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
    config.blocking = 0;
    checkNccl(ncclCommInitRankConfig(&comm_, o.world_size, id, o.rank, &config), "ncclCommInitRankConfig");
    waitUntilIdle("joining the NCCL communicator");
  }
  ~NcclGroup() override {
    if (!comm_) return;
    if (failed_) {
      ncclCommAbort(comm_);
      return;
    }
    // A clean end: flush, then destroy; a finalize that does not end in time is aborted.
    const ncclResult_t finalize = ncclCommFinalize(comm_);
    if (finalize == ncclSuccess || finalize == ncclInProgress) {
      const auto deadline = Clock::now() + std::chrono::seconds(10);
      ncclResult_t state = ncclInProgress;
      while (state == ncclInProgress && Clock::now() < deadline) {
        ncclCommGetAsyncError(comm_, &state);
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      if (state == ncclSuccess) {
        ncclCommDestroy(comm_);
        return;
      }
    }
    ncclCommAbort(comm_);
  }
  int rank() const override { return o_.rank; }
  int worldSize() const override { return o_.world_size; }
  void allReduceSum(std::span<float> data) override { reduce(data.data(), data.size(), ncclFloat32); }
  void allReduceSum(std::span<double> data) override { reduce(data.data(), data.size(), ncclFloat64); }

 private:
  // NCCL's unique id travels from rank 0 to the others over ZeroMQ REQ/REP on the rendezvous
  // address, under the run's CURVE keys when transport.curve is on (as every other socket).
  ncclUniqueId exchangeUniqueId() {
    const auto colon = o_.rendezvous.rfind(':');
    if (colon == std::string::npos || colon == 0) throw Error(StatusCode::kInvalidArgument, "learner.dist_address: '" + o_.rendezvous + "' is not HOST:PORT");
    const std::string host = o_.rendezvous.substr(0, colon), port = o_.rendezvous.substr(colon + 1);
    ncclUniqueId id;
    zmq::context_t ctx(1);
    const int timeout_ms = static_cast<int>(o_.timeout_s * 1000);
    if (o_.rank == 0) {
      checkNccl(ncclGetUniqueId(&id), "ncclGetUniqueId");
      std::optional<ZapAuthenticator> zap;  // before the CURVE bind on this context
      zmq::socket_t rep(ctx, zmq::socket_type::rep);
      if (o_.curve) {
        zap.emplace(ctx, o_.curve->allowed);
        makeCurveServer(rep, *o_.curve);
      }
      // The last reply must leave before the socket closes: linger up to the timeout.
      rep.set(zmq::sockopt::linger, timeout_ms);
      rep.set(zmq::sockopt::rcvtimeo, 100);
      rep.set(zmq::sockopt::sndtimeo, timeout_ms);
      // Bound to this host's configured address only (the rendezvous host, or
      // learner.dist_interface), never to every interface.
      const std::string bind_host = o_.interface_host.empty() ? host : o_.interface_host;
      try {
        rep.bind("tcp://" + bind_host + ":" + port);
      } catch (const zmq::error_t& e) {
        fail("cannot bind the NCCL id exchange at " + bind_host + ":" + port + ": " + e.what());
      }
      const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
      for (int answered = 1; answered < o_.world_size;) {
        zmq::message_t request;
        if (!rep.recv(request)) {
          if (stopRequested()) fail("stopped while waiting for the other ranks");
          if (Clock::now() > deadline) fail("not every rank asked for NCCL's id within learner.dist_timeout_s");
          continue;
        }
        if (!rep.send(zmq::buffer(&id, sizeof id), zmq::send_flags::none)) fail("could not answer a rank's request for NCCL's id");
        ++answered;
      }
    } else {
      zmq::socket_t req(ctx, zmq::socket_type::req);
      if (o_.curve) makeCurveClient(req, *o_.curve);
      req.set(zmq::sockopt::linger, 0);
      req.set(zmq::sockopt::rcvtimeo, 100);
      req.set(zmq::sockopt::sndtimeo, timeout_ms);
      req.connect("tcp://" + host + ":" + port);
      if (!req.send(zmq::str_buffer("nccl-id"), zmq::send_flags::none)) fail("could not ask rank 0 at " + o_.rendezvous + " for NCCL's id");
      const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
      zmq::message_t reply;
      while (!req.recv(reply)) {
        if (stopRequested()) fail("stopped while waiting for NCCL's id");
        if (Clock::now() > deadline) fail("no NCCL id from rank 0 at " + o_.rendezvous + " within learner.dist_timeout_s");
      }
      if (reply.size() != sizeof id) fail("rank 0 at " + o_.rendezvous + " answered " + std::to_string(reply.size()) + " bytes, not an NCCL id");
      std::memcpy(&id, reply.data(), sizeof id);
    }
    return id;
  }

  bool stopRequested() const { return o_.stop && o_.stop->load(); }

  [[noreturn]] void fail(const std::string& why) {
    failed_ = true;
    // Abort now, not in the destructor: the caller goes on to copy the parameters for a
    // checkpoint, and those copies would wait behind a collective that never ends.
    if (comm_) {
      ncclCommAbort(comm_);
      comm_ = nullptr;
    }
    throw Error(StatusCode::kUnavailable, "learner rank " + std::to_string(o_.rank) + " of " + std::to_string(o_.world_size) + " (NCCL): " + why);
  }
  void check(cudaError_t e, const char* what) {
    if (e != cudaSuccess) fail(std::string(what) + ": " + cudaGetErrorString(e));
  }
  void checkNccl(ncclResult_t r, const char* what) {
    if (r != ncclSuccess && r != ncclInProgress) fail(std::string(what) + ": " + ncclGetErrorString(r) + (comm_ ? std::string(" ") + ncclGetLastError(comm_) : ""));
  }
  // A non-blocking communicator reports ncclInProgress until the call it last accepted
  // (init, or the enqueueing of a collective) is done; errors of the peers show here too.
  void waitUntilIdle(const char* what) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(o_.timeout_s * 1000));
    while (true) {
      ncclResult_t state = ncclInProgress;
      checkNccl(ncclCommGetAsyncError(comm_, &state), "ncclCommGetAsyncError");
      if (state == ncclSuccess) return;
      if (state != ncclInProgress) checkNccl(state, what);
      if (stopRequested()) fail(std::string("stopped while ") + what);
      if (Clock::now() > deadline) fail(std::string(what) + " did not finish within learner.dist_timeout_s (a rank stopped or is unreachable)");
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
  // Enqueued on the current torch stream (ordered after the backward pass that wrote the
  // gradients), then waited for here with the timeout: a rank that died leaves the
  // collective pending forever, which NCCL only reports through the async error.
  void reduce(void* data, std::size_t n, ncclDataType_t type) {
    if (failed_) fail("the group failed earlier");
    cudaStream_t stream = at::cuda::getCurrentCUDAStream(static_cast<c10::DeviceIndex>(o_.cuda_device)).stream();
    checkNccl(ncclAllReduce(data, data, n, type, ncclSum, comm_, stream), "ncclAllReduce");
    waitUntilIdle("enqueueing the all-reduce");
    const auto deadline = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(o_.timeout_s * 1000));
    while (true) {
      const cudaError_t q = cudaStreamQuery(stream);
      if (q == cudaSuccess) return;
      if (q != cudaErrorNotReady) check(q, "the all-reduce");
      ncclResult_t async = ncclSuccess;
      ncclCommGetAsyncError(comm_, &async);
      if (async != ncclSuccess && async != ncclInProgress) checkNccl(async, "a collective with the other learner ranks (a rank stopped or is unreachable)");
      if (stopRequested()) fail("stopped during an all-reduce");
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
