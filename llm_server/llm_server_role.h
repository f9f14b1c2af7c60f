// The llm_server role (`spur llm-server`): a ROUTER endpoint that labels items with the
// configured backend. Requests are answered at once from the durable label store where
// possible; the rest queue for the backend (newest first, bounded: when the backlog is
// full the oldest are dropped and answered "none"), go out in batches with at most
// `concurrency` calls in flight, are retried with exponential back-off on failure, and
// are answered in later replies. A slow or dead backend only delays labels.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "llm_server/llm_options.h"

namespace spur {

struct CurveKeys;  // core/curve.h

struct LlmServerRoleOptions {
  LlmOptions llm;
  std::string address;      // ROUTER bind address (tcp://127.0.0.1:PORT, ipc://...)
  std::string store_path;   // SQLite label store (created if missing)
  std::string prompts_dir;  // where <template>.yaml files are
  std::string tb_dir;       // TensorBoard event files (annotator/...); empty = none
  double report_interval_s = 10;  // progress line and TensorBoard scalars
  std::shared_ptr<const CurveKeys> curve;  // transport.curve: the ROUTER is a CURVE server; none = plain
};

// Runs until `stop`; returns the exit code. Throws Error when the socket, the store or the
// backend cannot be set up.
int runLlmServer(const LlmServerRoleOptions& options, const std::atomic<bool>& stop);

}  // namespace spur
