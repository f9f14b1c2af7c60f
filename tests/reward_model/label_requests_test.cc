#include "reward_model/label_requests.h"

#include <doctest/doctest.h>

using namespace std::chrono_literals;
using spur::LabelRequestItem;
using spur::LabelRequestQueue;

namespace {

LabelRequestQueue::Options options(int64_t max_waiting = 10, int64_t request_items = 2, int64_t max_in_flight = 2) {
  return {max_waiting, request_items, max_in_flight, /*retry_no_label_s=*/60, /*request_timeout_s=*/300};
}

LabelRequestItem single(const std::string& s) { return {s, std::nullopt}; }

const auto t0 = LabelRequestQueue::Clock::time_point{} + 1000s;

}  // namespace

TEST_CASE("label requests: newest first, no duplicates, bounded waiting list drops the oldest") {
  LabelRequestQueue q(options(3));
  for (const char* m : {"a", "b", "a", "c", "d"}) q.enqueue(single(m));
  CHECK(q.waiting() == 3);  // a was waiting already; then the oldest (a) dropped for d
  CHECK(q.dropped() == 1);
  auto r = q.nextRequest();
  REQUIRE(r.has_value());
  REQUIRE(r->items.size() == 2);
  CHECK(r->items[0].first == "d");
  CHECK(r->items[1].first == "c");
  q.sent(*r, t0);
  q.enqueue(single("d"));  // in flight: not asked twice
  CHECK(q.waiting() == 1);
}

TEST_CASE("label requests: at most max_in_flight requests; an unsent request's items are asked first again") {
  LabelRequestQueue q(options(10, 1, 1));
  q.enqueue(single("old"));
  q.enqueue(single("new"));
  auto r = q.nextRequest();
  REQUIRE(r.has_value());
  CHECK(r->items[0].first == "new");
  q.putBack(std::move(*r));
  r = q.nextRequest();
  REQUIRE(r.has_value());
  CHECK(r->items[0].first == "new");
  q.sent(*r, t0);
  CHECK_FALSE(q.nextRequest().has_value());  // one in flight is the limit
}

TEST_CASE("label requests: labels come back, 'no label' cools down and is asked again later") {
  LabelRequestQueue q(options());
  q.enqueue(single("x"));
  q.enqueue(single("y"));
  auto r = q.nextRequest();
  REQUIRE(r.has_value());
  const uint64_t id = r->id;
  q.sent(*r, t0);
  // y (index 0) helpful, x (index 1) no label (-1), an index out of range ignored.
  auto got = q.onLabels(id, {{0, 1}, {1, -1}, {7, 1}}, t0 + 1s);
  CHECK(got.known);
  REQUIRE(got.labels.size() == 1);
  CHECK(got.labels[0].first.first == "y");
  CHECK(got.labels[0].second == spur::WireLabel::kHelpful);
  CHECK(got.no_labels == 1);
  CHECK(q.inFlight() == 0);  // every item answered
  q.enqueue(single("x"));    // cooling down: not yet
  CHECK(q.waiting() == 0);
  q.releaseCooled(t0 + 30s);
  CHECK(q.waiting() == 0);
  q.releaseCooled(t0 + 62s);
  CHECK(q.waiting() == 1);
  CHECK_FALSE(q.onLabels(999, {{0, 1}}, t0).known);  // a reply to no request
}

TEST_CASE("label requests: refused requests cool their singles down, pairs are dropped; old requests expire") {
  LabelRequestQueue q(options(10, 4, 4));
  q.enqueue({"a", std::string("b")});
  q.enqueue(single("c"));
  auto r = q.nextRequest();
  REQUIRE(r.has_value());
  const uint64_t id = r->id;
  q.sent(*r, t0);
  CHECK(q.onRefused(id, t0));
  CHECK(q.coolingDown() == 1);  // c; the pair is gone
  CHECK_FALSE(q.onRefused(id, t0));

  q.enqueue(single("d"));
  auto r2 = q.nextRequest();
  REQUIRE(r2.has_value());
  q.sent(*r2, t0);
  q.expire(t0 + 100s);
  CHECK(q.inFlight() == 1);
  q.expire(t0 + 301s);
  CHECK(q.inFlight() == 0);
  CHECK(q.waiting() == 1);  // d waits again
}
