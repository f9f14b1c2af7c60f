// WaitingClients: the llm_server's record of who asked for which pending item. Items are
// unique by id (template id + item key): a second client asking for an item already
// waiting for the backend is merged onto it, and one answer reaches everyone, as replies
// grouped per (client, request). Torch-free; not thread-safe (the server's main thread).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "llm_server/label.h"

namespace spur {

class WaitingClients {
 public:
  // (client identity, request id) -> (item index in that request, label).
  using Replies = std::map<std::pair<std::string, uint64_t>, std::vector<std::pair<uint32_t, Label>>>;

  // `client`'s request `request` waits for item `id` at position `index`. Returns true for
  // the first waiter of `id` (the item must go to the backend), false when merged.
  bool add(const std::string& id, const std::string& client, uint64_t request, uint32_t index) {
    auto& w = waiting_[id];
    w.push_back({client, request, index});
    return w.size() == 1;
  }

  // Everyone waiting for `id` gets `label`, added to `out`; `id` no longer waits. Nothing
  // when nobody waits for it.
  void answer(const std::string& id, Label label, Replies& out) {
    auto it = waiting_.find(id);
    if (it == waiting_.end()) return;
    for (const auto& w : it->second) out[{w.client, w.request}].push_back({w.index, label});
    waiting_.erase(it);
  }

  // Items waiting (not clients).
  std::size_t size() const { return waiting_.size(); }

 private:
  struct Waiter {
    std::string client;
    uint64_t request;
    uint32_t index;
  };
  std::unordered_map<std::string, std::vector<Waiter>> waiting_;
};

}  // namespace spur
