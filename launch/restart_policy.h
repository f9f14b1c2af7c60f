// RestartPolicy: what `spur train` does when a supervised child (actor, llm_server, reward
// learner, local LLM server) exits: restart it after a back-off that doubles while it keeps
// failing soon after its start, or give up after `max_failures` such failures in a row, so
// that a child that can never run (a crashing LLM server, a missing model) is reported once
// instead of being restarted forever. Header-only and torch-free; one per child; not
// thread-safe.
#pragma once

#include <algorithm>

namespace spur {

class RestartPolicy {
 public:
  // backoff_s: first delay; backoff_max_s: its cap; max_failures: failures in a row that
  // end the run (0 = never give up); healthy_after_s: a child that ran at least this long
  // before it failed starts a new series (delay back to backoff_s, count back to 1).
  RestartPolicy(double backoff_s, double backoff_max_s, int max_failures, double healthy_after_s = 60)
      : backoff_s_(backoff_s), backoff_max_s_(backoff_max_s), max_failures_(max_failures), healthy_after_s_(healthy_after_s) {}

  struct Decision {
    bool give_up = false;
    double delay_s = 0;         // when not giving up: wait this long, then restart
    int failures_in_a_row = 0;  // this exit included
  };

  // The child exited after running `ran_s` seconds.
  Decision onExit(double ran_s) {
    if (ran_s >= healthy_after_s_) {
      failures_ = 1;
      delay_s_ = backoff_s_;
    } else {
      ++failures_;
      delay_s_ = failures_ == 1 ? backoff_s_ : std::min(backoff_max_s_, std::max(backoff_s_, 2 * delay_s_));
    }
    return {max_failures_ > 0 && failures_ >= max_failures_, delay_s_, failures_};
  }

 private:
  double backoff_s_, backoff_max_s_;
  int max_failures_;
  double healthy_after_s_;
  int failures_ = 0;
  double delay_s_ = 0;
};

}  // namespace spur
