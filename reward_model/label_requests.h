// LabelRequestQueue: the reward learner's bookkeeping of what to ask the llm_server, apart
// from sockets so that it can be tested alone:
//   - items wait newest-last and are asked newest first (ONI annotates the newest), at most
//     `max_waiting` of them (beyond it the oldest are dropped and counted; a dropped message
//     is asked again the next time a batch shows it);
//   - an item is never waiting or in flight twice;
//   - a "no label" answer or a refused request puts a single message in a cool-down
//     (`retry_no_label_s`) before it may be asked again; a pair is dropped instead (others
//     will be sampled);
//   - requests carry at most `request_items` items, at most `max_in_flight` are out at once,
//     and the unanswered items of a request older than `request_timeout_s` wait again.
// Time is passed in, never read, so tests decide it. Not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "reward_model/reward_model.h"

namespace spur {

class LabelRequestQueue {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    int64_t max_waiting = 100000;
    int64_t request_items = 256;
    int64_t max_in_flight = 4;
    double retry_no_label_s = 60;
    double request_timeout_s = 300;
  };
  struct Request {
    uint64_t id = 0;
    std::vector<LabelRequestItem> items;
  };
  // What a reply did: labels to hand to the model, and whether the request was refused.
  struct ReplyResult {
    std::vector<std::pair<LabelRequestItem, WireLabel>> labels;
    int64_t no_labels = 0;  // items answered "no label" (cooling down now)
    bool known = false;     // the reply belongs to a request in flight
  };

  explicit LabelRequestQueue(Options options) : o_(options) {}

  // Queues `item` unless it is waiting, in flight or cooling down.
  void enqueue(LabelRequestItem item);
  // Items whose cool-down ended by `now` wait again.
  void releaseCooled(Clock::time_point now);
  // The next request to send (newest items first), or nullopt when nothing waits or
  // max_in_flight requests are out. Call sent() or putBack() with it.
  std::optional<Request> nextRequest();
  // The request went out at `now`.
  void sent(Request request, Clock::time_point now);
  // The request could not be sent: its items wait again (asked first next time).
  void putBack(Request request);
  // A reply with labels (index into the request's items, wire label; out-of-range
  // values are "no label"). A request all of whose items are answered is done.
  ReplyResult onLabels(uint64_t request_id, const std::vector<std::pair<uint32_t, int8_t>>& labels, Clock::time_point now);
  // The llm_server refused the request: its unanswered single items cool down.
  bool onRefused(uint64_t request_id, Clock::time_point now);
  // Requests sent before now - request_timeout_s: their unanswered items wait again.
  void expire(Clock::time_point now);

  std::size_t waiting() const { return to_ask_.size(); }
  std::size_t inFlight() const { return in_flight_.size(); }
  std::size_t coolingDown() const { return cooling_.size(); }
  int64_t dropped() const { return dropped_; }

 private:
  struct InFlight {
    std::vector<LabelRequestItem> items;
    std::vector<bool> answered;
    Clock::time_point sent;
  };
  void later(const LabelRequestItem& item, Clock::time_point now);

  Options o_;
  std::deque<LabelRequestItem> to_ask_;     // newest at the back (asked first)
  std::unordered_set<std::string> queued_;  // keys waiting or in flight
  std::deque<std::pair<Clock::time_point, LabelRequestItem>> retry_;  // cool-downs, oldest first
  std::unordered_set<std::string> cooling_;  // keys in retry_
  std::unordered_map<uint64_t, InFlight> in_flight_;
  uint64_t next_id_ = 1;
  int64_t dropped_ = 0;
};

}  // namespace spur
