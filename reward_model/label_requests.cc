#include "reward_model/label_requests.h"

#include <algorithm>

namespace spur {
namespace {

LabelRequestQueue::Clock::duration seconds(double s) {
  return std::chrono::duration_cast<LabelRequestQueue::Clock::duration>(std::chrono::duration<double>(s));
}

}  // namespace

void LabelRequestQueue::enqueue(LabelRequestItem item) {
  const std::string key = item.key();
  if (cooling_.count(key) || !queued_.insert(key).second) return;
  to_ask_.push_back(std::move(item));
  while (static_cast<int64_t>(to_ask_.size()) > std::max<int64_t>(o_.max_waiting, 1)) {
    queued_.erase(to_ask_.front().key());
    to_ask_.pop_front();
    ++dropped_;
  }
}

void LabelRequestQueue::later(const LabelRequestItem& item, Clock::time_point now) {
  if (!item.second && cooling_.insert(item.key()).second) retry_.push_back({now + seconds(o_.retry_no_label_s), item});
}

void LabelRequestQueue::releaseCooled(Clock::time_point now) {
  while (!retry_.empty() && retry_.front().first <= now) {
    cooling_.erase(retry_.front().second.key());
    enqueue(retry_.front().second);
    retry_.pop_front();
  }
}

std::optional<LabelRequestQueue::Request> LabelRequestQueue::nextRequest() {
  if (to_ask_.empty() || static_cast<int64_t>(in_flight_.size()) >= o_.max_in_flight) return std::nullopt;
  Request r;
  r.id = next_id_++;
  while (!to_ask_.empty() && static_cast<int64_t>(r.items.size()) < std::max<int64_t>(o_.request_items, 1)) {
    r.items.push_back(std::move(to_ask_.back()));
    to_ask_.pop_back();
  }
  return r;
}

void LabelRequestQueue::sent(Request request, Clock::time_point now) {
  InFlight f{std::move(request.items), {}, now};
  f.answered.assign(f.items.size(), false);
  in_flight_[request.id] = std::move(f);
}

void LabelRequestQueue::putBack(Request request) {
  // Back in the order they were taken from: the newest is asked first again.
  for (auto it = request.items.rbegin(); it != request.items.rend(); ++it) to_ask_.push_back(std::move(*it));
}

LabelRequestQueue::ReplyResult LabelRequestQueue::onLabels(uint64_t request_id, const std::vector<std::pair<uint32_t, int8_t>>& labels,
                                                           Clock::time_point now) {
  ReplyResult out;
  auto it = in_flight_.find(request_id);
  if (it == in_flight_.end()) return out;
  out.known = true;
  InFlight& f = it->second;
  for (const auto& [i, label] : labels) {
    if (i >= f.items.size() || f.answered[i]) continue;
    f.answered[i] = true;
    queued_.erase(f.items[i].key());
    if (label < static_cast<int8_t>(WireLabel::kNotHelpful) || label > static_cast<int8_t>(WireLabel::kTie)) {
      ++out.no_labels;
      later(f.items[i], now);
      continue;
    }
    out.labels.emplace_back(f.items[i], static_cast<WireLabel>(label));
  }
  if (std::all_of(f.answered.begin(), f.answered.end(), [](bool a) { return a; })) in_flight_.erase(it);
  return out;
}

bool LabelRequestQueue::onRefused(uint64_t request_id, Clock::time_point now) {
  auto it = in_flight_.find(request_id);
  if (it == in_flight_.end()) return false;
  for (std::size_t i = 0; i < it->second.items.size(); ++i) {
    queued_.erase(it->second.items[i].key());
    if (!it->second.answered[i]) later(it->second.items[i], now);
  }
  in_flight_.erase(it);
  return true;
}

void LabelRequestQueue::expire(Clock::time_point now) {
  for (auto it = in_flight_.begin(); it != in_flight_.end();) {
    if (now - it->second.sent < seconds(o_.request_timeout_s)) {
      ++it;
      continue;
    }
    for (std::size_t i = 0; i < it->second.items.size(); ++i)
      if (!it->second.answered[i]) {
        queued_.erase(it->second.items[i].key());
        enqueue(it->second.items[i]);
      }
    it = in_flight_.erase(it);
  }
}

}  // namespace spur
