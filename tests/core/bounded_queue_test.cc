#include "core/bounded_queue.h"

#include <doctest/doctest.h>

#include <atomic>
#include <future>
#include <thread>

using namespace std::chrono_literals;

TEST_CASE("bounded queue: FIFO, pop times out when empty") {
  spur::BoundedQueue<int> q(2);
  CHECK(q.push(1));
  CHECK(q.push(2));
  CHECK(q.size() == 2);
  CHECK(q.pop(10ms) == 1);
  CHECK(q.pop(10ms) == 2);
  CHECK_FALSE(q.pop(10ms).has_value());
}

TEST_CASE("bounded queue: a producer waits while full and goes on when a consumer pops") {
  spur::BoundedQueue<int> q(1);
  REQUIRE(q.push(1));
  std::atomic<bool> pushed{false};
  std::thread producer([&] {
    CHECK(q.push(2));
    pushed = true;
  });
  std::this_thread::sleep_for(50ms);
  CHECK_FALSE(pushed.load());  // still waiting: the queue is full
  CHECK(q.pop(1000ms) == 1);
  producer.join();
  CHECK(pushed.load());
  CHECK(q.pop(10ms) == 2);
}

TEST_CASE("bounded queue: close() wakes a producer blocked on a full queue even when it races the producer's wait") {
  // The receiver's old destructor set its stop flag and notified without the mutex: a
  // producer that had just found the queue full and not stopped, but was not yet waiting,
  // missed the wakeup and join() hung. The hook runs exactly there; close() is started from
  // it and given time to finish if it can (it cannot while the producer holds the mutex,
  // which is the fix).
  spur::BoundedQueue<int> q(1);
  REQUIRE(q.push(0));
  std::thread closer;
  bool started = false;
  q.setBeforeWaitForTesting([&] {
    if (started) return;
    started = true;
    closer = std::thread([&] { q.close(); });
    std::this_thread::sleep_for(200ms);
  });
  auto producer = std::async(std::launch::async, [&] { return q.push(1); });
  const bool returned = producer.wait_for(10s) == std::future_status::ready;
  if (!returned) q.close();  // a second close() after a lost wakeup: lets the test end
  CHECK(returned);
  CHECK_FALSE(producer.get());  // closed: the item is refused
  closer.join();
}

TEST_CASE("bounded queue: after close() pops drain what is left, then return at once") {
  spur::BoundedQueue<int> q(4);
  REQUIRE(q.push(7));
  q.close();
  CHECK_FALSE(q.push(8));
  CHECK(q.pop(10ms) == 7);
  CHECK_FALSE(q.pop(10ms).has_value());
}
