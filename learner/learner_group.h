// LearnerGroup: the learner ranks of a data-parallel run as one collective. Each rank trains
// on its own actors' batches; the update sums gradients (and the advantage statistics) over
// the group, so every rank applies the same update and the parameters stay identical. The
// learner is written against this interface only: Gloo over TCP on CPUs (c10d's
// ProcessGroupGloo of the same LibTorch), NCCL on GPUs. Torch-free.
//
// Thread-safety: one group per learner process, used by one thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace spur {

struct CurveKeys;

struct LearnerGroupOptions {
  int rank = 0;
  int world_size = 1;
  // HOST:PORT of the rendezvous store that rank 0 serves and every rank connects to.
  std::string rendezvous;
  // The address of this host that the group's own connections use; "" = the rendezvous
  // host when it is a loopback address (one machine), else the address of this host's name.
  std::string interface_host;
  // How long a collective (and the rendezvous) waits for the other ranks. Default: 600 s.
  double timeout_s = 600;
  // -1: the ranks' buffers are in host memory (Gloo over TCP). N >= 0: in the memory of
  // CUDA device N (NCCL; only in the CUDA build): NCCL's unique id goes from rank 0 to the
  // others over ZeroMQ at the rendezvous address.
  int cuda_device = -1;
  // transport.curve: the run's keys. The ranks' rendezvous (Gloo's key-value store, NCCL's id
  // exchange) then runs under CURVE like every other socket of the run; it binds the
  // rendezvous host (or interface_host) only. Default: none.
  std::shared_ptr<const CurveKeys> curve = nullptr;
  // When set and true, a wait for the other ranks (the NCCL set-up and collectives) ends
  // with Error(kUnavailable) within about a millisecond. Default: none.
  const std::atomic<bool>* stop = nullptr;
};

class LearnerGroup {
 public:
  virtual ~LearnerGroup() = default;
  virtual int rank() const = 0;
  virtual int worldSize() const = 0;
  // Sums `data` element-wise over all ranks, in place; afterwards every rank holds the same
  // bytes. `data` lies in host memory for a CPU group, in the GPU's memory for a GPU group. Blocks until every rank has joined. Throws Error(kUnavailable) naming this rank
  // and the reason when a rank has gone (its connections closed) or the timeout passed;
  // the group cannot be used after that.
  virtual void allReduceSum(std::span<float> data) = 0;
  virtual void allReduceSum(std::span<double> data) = 0;
};

// Joins the group (blocks until all world_size ranks have joined, at most timeout_s). A
// group of one rank does nothing. Throws Error(kInvalidArgument) for bad options and
// Error(kUnavailable) when the rendezvous fails.
std::unique_ptr<LearnerGroup> joinLearnerGroup(const LearnerGroupOptions& options);

// The NCCL group of joinLearnerGroup for options.cuda_device >= 0 (learner/nccl_group.cc in
// the CUDA build; Error(kFailedPrecondition) in the CPU build).
std::unique_ptr<LearnerGroup> joinNcclGroup(const LearnerGroupOptions& options);

}  // namespace spur
