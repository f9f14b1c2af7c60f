// BoundedQueue<T>: a FIFO of at most `capacity` items between threads. push() waits while
// the queue is full (back-pressure), pop() waits up to a timeout, close() wakes every waiter
// and makes later pushes fail, so that a producer blocked on a full queue can always be
// stopped and joined.
//
// Thread-safety: every member may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>

namespace spur {

template <class T>
class BoundedQueue {
 public:
  // REQUIRES: capacity >= 1.
  explicit BoundedQueue(std::size_t capacity) : capacity_(capacity) {}

  // Appends `item`, waiting while the queue is full. Returns false (item dropped) once the
  // queue is closed, including while waiting.
  bool push(T item) {
    std::unique_lock<std::mutex> lock(mu_);
    not_full_.wait(lock, [&] {
      if (closed_ || items_.size() < capacity_) return true;
      if (before_wait_) before_wait_();
      return false;
    });
    if (closed_) return false;
    items_.push_back(std::move(item));
    not_empty_.notify_one();
    return true;
  }

  // The oldest item, or nullopt after `timeout` (or at once when closed and empty).
  std::optional<T> pop(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!not_empty_.wait_for(lock, timeout, [&] { return closed_ || !items_.empty(); }) || items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return item;
  }

  // Wakes every waiter; pushes fail from now on, pops drain what is left.
  void close() {
    // The flag changes under the mutex: a waiter that has just found the queue full and
    // not closed is then already blocked in wait() (which released the mutex) when the
    // notification comes, so the wakeup cannot be lost.
    {
      std::lock_guard<std::mutex> lock(mu_);
      closed_ = true;
    }
    not_full_.notify_all();
    not_empty_.notify_all();
  }

  std::size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return items_.size();
  }
  std::size_t capacity() const { return capacity_; }

  // Tests only: called, with the queue's mutex held, each time push() has found the queue
  // full and is about to wait: the moment a racing close() must not slip into.
  void setBeforeWaitForTesting(std::function<void()> hook) { before_wait_ = std::move(hook); }

 private:
  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable not_full_, not_empty_;
  std::deque<T> items_;
  bool closed_ = false;
  std::function<void()> before_wait_;
};

}  // namespace spur
