// RunOptions and TransportOptions: the YAML sections `run` and `transport`, shared by every
// role. Torch-free.
#pragma once

#include <cstdint>
#include <string>

namespace spur {

struct RunOptions {
  // Run name; the run lives in <dir>/<name>. Default: the config file's base name.
  std::string name;
  // Parent folder of runs. Default: runs.
  std::string dir = "runs";
  // Seed of the run (policy init, actor sampling, env seeds). Default: 1.
  uint64_t seed = 1;
  // Stop after this many env frames (agent steps) in total; 0 = never. Default: 0.
  int64_t total_frames = 0;
  // Write a checkpoint every this many seconds (and at the end). Default: 120 (ONI).
  double checkpoint_interval_s = 120;
  // Checkpoints kept. Default: 3 (ONI).
  int64_t keep_checkpoints = 3;
  // Seconds between progress lines and TensorBoard summaries. Default: 5.
  double progress_interval_s = 5;
  // Log level: trace, debug, info, warn, error. Default: info.
  std::string log_level = "info";
  // spur train restarts a crashed actor, llm_server, reward learner or local LLM server
  // with back-off (actors.restart_backoff_s); one that fails this many times in a row, each
  // within a minute of its start, ends the run with the last lines of its log. 0: restart
  // forever. Default: 5.
  int64_t max_failures_in_a_row = 5;

  template <class B>
  void bind(B& b) {
    b.field("name", name);
    b.field("dir", dir);
    b.field("seed", seed);
    b.field("total_frames", total_frames);
    b.field("checkpoint_interval_s", checkpoint_interval_s);
    b.field("keep_checkpoints", keep_checkpoints);
    b.field("progress_interval_s", progress_interval_s);
    b.field("log_level", log_level);
    b.field("max_failures_in_a_row", max_failures_in_a_row);
  }
};

struct TransportOptions {
  // Where the learner PULLs unrolls and PUBlishes parameters. "auto" = ipc:// sockets in
  // the run directory (this host only). For a cluster: tcp://HOST:PORT. Default: auto.
  std::string unroll_address = "auto";
  std::string params_address = "auto";
  // Where the llm_server's ROUTER listens (reward learner and tools connect). Default: auto.
  std::string llm_address = "auto";
  // Learner -> reward learner (new messages) and reward learner -> learner (reward
  // snapshots). Default: auto.
  std::string messages_address = "auto";
  std::string rewards_address = "auto";
  // High-water marks (messages) of the unroll and params sockets. Default: 2, 2. Small
  // buffers keep the policy lag low; the learner's own queue absorbs bursts.
  int64_t unroll_hwm = 2;
  int64_t params_hwm = 2;
  // CURVE on every socket: encryption and a ZAP allowlist of client keys. The run's keys
  // live in curve_dir ("" = <run>/curve), created by spur train. Default: false (plain; a
  // non-loopback bind without CURVE logs a warning).
  bool curve = false;
  std::string curve_dir;

  template <class B>
  void bind(B& b) {
    b.field("unroll_address", unroll_address);
    b.field("params_address", params_address);
    b.field("llm_address", llm_address);
    b.field("messages_address", messages_address);
    b.field("rewards_address", rewards_address);
    b.field("unroll_hwm", unroll_hwm);
    b.field("params_hwm", params_hwm);
    b.field("curve", curve);
    b.field("curve_dir", curve_dir);
  }
};

}  // namespace spur
