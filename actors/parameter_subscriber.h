// ParameterSubscriber: an actor's subscription to the learner's parameter broadcasts
// (latest only: a slow actor skips to the newest), applied to its policy. A message that
// does not parse or does not fit the policy is counted, logged and dropped; the policy
// keeps its parameters. Includes LibTorch (through policy.h). Not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "actors/policy.h"
#include "core/transport.h"

namespace spur {

class ParameterSubscriber {
 public:
  // Connects a SUB socket to `address` (a CURVE client when `curve` is set). `rank` names
  // the actor in log lines.
  ParameterSubscriber(zmq::context_t& ctx, const std::string& address, Policy& policy, int rank, std::shared_ptr<const CurveKeys> curve = nullptr);

  // Waits up to `timeout` for a parameter message and applies it. Returns whether new
  // parameters were applied.
  bool poll(std::chrono::milliseconds timeout);
  // Blocks until the first parameters arrive or `stop` becomes true, noting every 10 s
  // that it still waits. Returns whether parameters arrived.
  bool waitForFirst(const std::atomic<bool>& stop);

  bool haveParams() const { return have_params_; }
  uint64_t policyVersion() const { return policy_version_; }
  int64_t dropped() const { return dropped_; }

 private:
  MessageSocket socket_;
  std::string address_;
  Policy& policy_;
  int rank_;
  uint64_t policy_version_ = 0;
  bool have_params_ = false;
  int64_t dropped_ = 0;
};

}  // namespace spur
