// UnrollReceiver: the learner's PULL side. A thread receives unrolls, validates them
// against the expected layout, converts them to torch tensors and puts them into a
// bounded queue; what fails validation is counted and dropped with a log line. When the
// queue is full the thread waits, ZeroMQ's high-water mark fills and actors' sends wait:
// back-pressure instead of unbounded memory. Includes LibTorch.
#pragma once

#include <torch/torch.h>

#include <atomic>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/bounded_queue.h"
#include "core/schema/spur.capnp.h"
#include "core/status.h"
#include "core/tensor.h"
#include "core/transport.h"

namespace spur {

// What a valid unroll looks like.
struct UnrollLayout {
  int64_t steps = 32;      // T
  int64_t envs = 8;        // B
  int64_t num_actions = 0;  // A: the action-space width
  int64_t state_size = 0;
  bool masked_actions = false;  // unrolls carry action_mask
  std::vector<TensorSpec> observations;  // per-env shapes, without [T+1, B]
};

struct EpisodeSummary {
  double episode_return = 0;
  int64_t length = 0;
  int32_t end_status = 0;
  std::vector<std::pair<std::string, double>> metrics;  // the env's named metrics
};

// A validated unroll as torch tensors (shapes: schema::Unroll).
struct UnrollData {
  uint64_t policy_version = 0;
  uint32_t actor = 0;
  std::map<std::string, torch::Tensor> obs;  // [T+1, B, ...]
  torch::Tensor action_mask;                 // [T+1, B, A] uint8; undefined when the env does not mask
  torch::Tensor actions, logits, behaviour_logp, rewards, dones, message_ids, message_counts, rnn_state;
  std::vector<std::string> messages;
  std::vector<EpisodeSummary> episodes;
};

// Validates `u` against `layout` and copies it into `out`. DataLoss or InvalidArgument
// with the reason for anything that does not match; never throws.
Status readUnroll(schema::Unroll::Reader u, const UnrollLayout& layout, UnrollData* out);

struct ReceiverCounters {
  std::atomic<int64_t> received{0};
  std::atomic<int64_t> dropped_malformed{0};  // not Cap'n Proto, wrong version, wrong layout
  std::atomic<int64_t> dropped_stale{0};      // older than the allowed policy lag
};

class UnrollReceiver {
 public:
  // Binds a PULL socket at `address` (a CURVE server when `curve` is set) and starts the
  // receiving thread.
  UnrollReceiver(zmq::context_t& ctx, const std::string& address, int high_water_mark, UnrollLayout layout, std::size_t capacity,
                 int64_t max_policy_lag, std::shared_ptr<const CurveKeys> curve = nullptr);
  // Stops and joins the thread.
  ~UnrollReceiver();

  // The next unroll, or nullopt after `timeout`.
  std::optional<UnrollData> pop(std::chrono::milliseconds timeout);
  // Unrolls older than current_version - max_policy_lag are dropped from now on.
  void setPolicyVersion(uint64_t version) { version_ = version; }
  std::size_t queued() const { return queue_.size(); }
  std::size_t capacity() const { return queue_.capacity(); }
  const ReceiverCounters& counters() const { return counters_; }
  std::string address() const { return address_; }

 private:
  void loop();

  MessageSocket socket_;
  std::string address_;
  UnrollLayout layout_;
  int64_t max_lag_;
  std::atomic<uint64_t> version_{0};
  std::atomic<bool> stop_{false};
  ReceiverCounters counters_;
  BoundedQueue<UnrollData> queue_;
  std::thread thread_;
};

}  // namespace spur
