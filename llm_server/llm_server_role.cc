#include "llm_server/llm_server_role.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/curve.h"
#include "core/schema/spur.capnp.h"
#include "core/tensorboard.h"
#include "core/transport.h"
#include "llm_server/annotate_request.h"
#include "llm_server/label_backend.h"
#include "llm_server/label_store.h"
#include "llm_server/prompt_template.h"
#include "llm_server/waiting_clients.h"

namespace spur {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// An item waiting for the backend. Items are unique by (template, key): duplicates in
// flight wait on the same entry.
struct PendingItem {
  std::shared_ptr<const PromptTemplate> prompt;
  AnnotationItem item;
  std::string id;  // template id + '\n' + item key: the waiters' key
  int64_t attempts = 0;
  Clock::time_point not_before{};
};

struct BatchResult {
  std::vector<PendingItem> items;
  std::vector<Annotation> annotations;  // empty when the call failed
  std::string error;
  double seconds = 0;
};

// The backlog and the backend workers. The main thread pushes items and drains results;
// `concurrency` workers take the newest ready items, one template per batch, and call the
// backend. Owns and joins its threads.
class BackendPool {
 public:
  BackendPool(LabelBackend& backend, const LlmOptions& o) : backend_(backend), o_(o) {
    for (int64_t i = 0; i < o.concurrency; ++i) workers_.emplace_back([this] { work(); });
  }
  ~BackendPool() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
  }

  // Queues `item`; returns the items dropped to keep the backlog bounded (oldest first).
  std::vector<PendingItem> push(PendingItem item) {
    std::vector<PendingItem> dropped;
    {
      std::lock_guard lock(mu_);
      backlog_.push_back(std::move(item));
      while (static_cast<int64_t>(backlog_.size()) > o_.max_backlog) {
        dropped.push_back(std::move(backlog_.front()));
        backlog_.pop_front();
      }
    }
    cv_.notify_one();
    return dropped;
  }

  std::vector<BatchResult> takeResults() {
    std::lock_guard lock(mu_);
    return std::exchange(results_, {});
  }
  int64_t backlog() {
    std::lock_guard lock(mu_);
    return static_cast<int64_t>(backlog_.size());
  }
  int64_t inFlight() const { return in_flight_; }

 private:
  void work() {
    while (true) {
      BatchResult r;
      {
        std::unique_lock lock(mu_);
        // Newest ready item first; its template decides the batch.
        while (true) {
          if (stopping_) return;
          const auto now = Clock::now();
          auto newest = backlog_.rend();
          for (auto it = backlog_.rbegin(); it != backlog_.rend(); ++it)
            if (it->not_before <= now) {
              newest = it;
              break;
            }
          if (newest != backlog_.rend()) {
            const std::string tid = newest->prompt->id;
            for (auto it = backlog_.end(); it != backlog_.begin() && static_cast<int64_t>(r.items.size()) < o_.batch_size;) {
              --it;
              if (it->prompt->id == tid && it->not_before <= now) {
                r.items.push_back(std::move(*it));
                it = backlog_.erase(it);
              }
            }
            break;
          }
          cv_.wait_for(lock, 100ms);
        }
      }
      ++in_flight_;
      std::vector<AnnotationItem> items;
      for (const auto& p : r.items) items.push_back(p.item);
      const auto t0 = Clock::now();
      try {
        r.annotations = backend_.annotate(*r.items.front().prompt, items);
        if (r.annotations.size() != items.size()) throw Error(StatusCode::kInternal, "backend returned a wrong number of labels");
      } catch (const Error& e) {
        r.annotations.clear();
        r.error = e.what();
      } catch (const std::exception& e) {
        r.annotations.clear();
        r.error = std::string("unexpected: ") + e.what();
      }
      r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
      --in_flight_;
      std::lock_guard lock(mu_);
      results_.push_back(std::move(r));
    }
  }

  LabelBackend& backend_;
  const LlmOptions o_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<PendingItem> backlog_;
  std::vector<BatchResult> results_;
  bool stopping_ = false;
  std::atomic<int64_t> in_flight_{0};
  std::vector<std::thread> workers_;
};

struct Counters {
  int64_t requests = 0, bad_requests = 0, items = 0, store_hits = 0, merged = 0, labelled = 0, no_label = 0, backend_errors = 0,
          dropped = 0, gave_up = 0, unsent_replies = 0;
  double backend_seconds = 0;
  int64_t backend_calls = 0;
};

}  // namespace

int runLlmServer(const LlmServerRoleOptions& o, const std::atomic<bool>& stop) {
  const LlmOptions& L = o.llm;
  if (L.batch_size < 1 || L.concurrency < 1 || L.max_backlog < 1)
    throw Error(StatusCode::kInvalidArgument, "llm.batch_size, llm.concurrency and llm.max_backlog must be >= 1");
  auto backend = makeLabelBackend(L);
  auto store = LabelStore::open(o.store_path);
  std::map<std::string, std::shared_ptr<const PromptTemplate>> prompts;
  auto promptFor = [&](const std::string& id) {
    auto it = prompts.find(id);
    if (it == prompts.end()) it = prompts.emplace(id, std::make_shared<PromptTemplate>(loadPromptTemplate(o.prompts_dir, id))).first;
    return it->second;
  };
  promptFor(L.prompt);  // the configured template must exist: fail at start, not per request
  std::unique_ptr<TensorBoardWriter> tb;
  if (!o.tb_dir.empty()) tb = std::make_unique<TensorBoardWriter>(o.tb_dir);

  zmq::context_t ctx(1);
  std::optional<ZapAuthenticator> zap;  // before the CURVE bind on this context
  if (o.curve) zap.emplace(ctx, o.curve->allowed);
  SocketOptions so;
  so.high_water_mark = 1000;
  so.max_message_bytes = 64 << 20;
  so.curve = o.curve;
  auto router = MessageSocket::bind(ctx, SocketKind::kRouter, o.address, so);
  spdlog::info("llm_server: {} backend (model {}), prompt {}, label store {} ({} labels), listening on {}", L.backend, backend->model(), L.prompt,
               o.store_path, store->size(), router.lastEndpoint());

  BackendPool pool(*backend, L);
  WaitingClients waiting;  // PendingItem::id -> who asked
  Counters c, last_c;
  auto last_report = Clock::now();
  const auto start = Clock::now();

  auto initReply = [](capnp::MallocMessageBuilder& msg, uint64_t request) {
    auto r = msg.initRoot<schema::AnnotateReply>();
    r.setSchemaVersion(schema::CURRENT_VERSION);
    r.getSender().setRole(schema::Role::LLM_SERVER);
    r.setRequestId(request);
    return r;
  };
  // A reply ZeroMQ cannot queue (the client is gone or not reading) is counted, not
  // retried: the labels stay in the store and the client's next request gets them from there.
  auto reply = [&](const std::string& client, capnp::MessageBuilder& msg) {
    if (router.sendRouted(client, msg, 100ms)) return;
    if (++c.unsent_replies % 10 == 1) spdlog::warn("llm_server: a reply could not be sent ({} so far); the client gets the labels from the store next time", c.unsent_replies);
  };
  using Entries = WaitingClients::Replies;
  auto sendReplies = [&](const Entries& entries) {
    for (const auto& [to, labels] : entries) {
      capnp::MallocMessageBuilder msg;
      auto r = initReply(msg, to.second);
      auto list = r.initLabels(static_cast<unsigned>(labels.size()));
      for (std::size_t i = 0; i < labels.size(); ++i) {
        list[static_cast<unsigned>(i)].setIndex(labels[i].first);
        list[static_cast<unsigned>(i)].setLabel(static_cast<int8_t>(labels[i].second));
      }
      reply(to.first, msg);
    }
  };
  auto refuse = [&](const std::string& client, uint64_t request, const std::string& why) {
    ++c.bad_requests;
    spdlog::warn("llm_server: refused a request from a client: {}", why);
    capnp::MallocMessageBuilder msg;
    initReply(msg, request).setError(why);
    reply(client, msg);
  };

  auto handleRequest = [&](const std::string& client, ReceivedMessage& m) {
    AnnotateRequestData req;
    if (Status s = readAnnotateRequest(m, promptFor, &req); !s.isOk()) return refuse(client, req.request_id, s.message());
    Entries dropped_replies;
    const auto& [rid, prompt, items] = req;
    ++c.requests;
    c.items += static_cast<int64_t>(items.size());
    std::vector<std::pair<uint32_t, Label>> hits;
    uint32_t pending = 0;
    for (uint32_t i = 0; i < items.size(); ++i) {
      const std::string key = items[i].key();
      if (auto l = store->find(prompt->id, backend->model(), key)) {
        hits.push_back({i, *l});
        continue;
      }
      ++pending;
      const std::string id = prompt->id + '\n' + key;
      if (!waiting.add(id, client, rid, i)) {
        ++c.merged;
        continue;
      }
      for (auto& d : pool.push({prompt, items[i], id, 0, {}})) {
        ++c.dropped;
        waiting.answer(d.id, Label::kNone, dropped_replies);
      }
    }
    c.store_hits += static_cast<int64_t>(hits.size());
    capnp::MallocMessageBuilder msg;
    auto r = initReply(msg, rid);
    r.setStoreHits(static_cast<uint32_t>(hits.size()));
    r.setPending(pending);
    auto list = r.initLabels(static_cast<unsigned>(hits.size()));
    for (std::size_t i = 0; i < hits.size(); ++i) {
      list[static_cast<unsigned>(i)].setIndex(hits[i].first);
      list[static_cast<unsigned>(i)].setLabel(static_cast<int8_t>(hits[i].second));
    }
    reply(client, msg);
    sendReplies(dropped_replies);
  };

  // A backend that is down fails every call at once (hundreds a second while a local server
  // starts): the first failure and then one line per 10 s, with the count so far.
  auto last_error_log = Clock::time_point{};
  auto warnBackendError = [&] {
    if (Clock::now() - last_error_log < 10s) return false;
    last_error_log = Clock::now();
    return true;
  };
  auto handleResults = [&] {
    Entries out;
    std::vector<StoredLabel> fresh;
    // A failed item goes back to the backlog after an exponential back-off, or gets 'no
    // label' once it used up max_attempts.
    auto retry = [&](PendingItem& p) {
      ++p.attempts;
      if (L.max_attempts > 0 && p.attempts >= L.max_attempts) {
        ++c.gave_up;
        waiting.answer(p.id, Label::kNone, out);
        return;
      }
      const double backoff = std::min(L.retry_max_s, L.retry_base_s * static_cast<double>(int64_t{1} << std::min<int64_t>(p.attempts - 1, 30)));
      p.not_before = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(backoff * 1000));
      for (auto& d : pool.push(std::move(p))) {
        ++c.dropped;
        waiting.answer(d.id, Label::kNone, out);
      }
    };
    for (auto& r : pool.takeResults()) {
      ++c.backend_calls;
      c.backend_seconds += r.seconds;
      if (r.annotations.empty()) {
        ++c.backend_errors;
        if (warnBackendError())
          spdlog::warn("llm_server: backend call of {} items failed ({} failed calls so far): {}", r.items.size(), c.backend_errors, r.error);
        for (auto& p : r.items) retry(p);
        continue;
      }
      const auto failed = std::count_if(r.annotations.begin(), r.annotations.end(), [](const Annotation& a) { return !a.error.empty(); });
      if (failed > 0) {
        ++c.backend_errors;
        const auto first = std::find_if(r.annotations.begin(), r.annotations.end(), [](const Annotation& a) { return !a.error.empty(); });
        if (warnBackendError())
          spdlog::warn("llm_server: a backend call answered {} of {} items; the other {} are retried ({} failed calls so far): {}",
                       static_cast<int64_t>(r.items.size()) - failed, r.items.size(), failed, c.backend_errors, first->error);
      }
      for (std::size_t i = 0; i < r.items.size(); ++i) {
        const auto& a = r.annotations[i];
        if (!a.error.empty()) {
          retry(r.items[i]);
          continue;
        }
        if (a.label == Label::kNone) {
          ++c.no_label;
          spdlog::info("llm_server: no label in the answer for {:?}: {:?}", r.items[i].item.key().substr(0, 80), a.raw.substr(0, 200));
        } else {
          ++c.labelled;
          fresh.push_back({r.items[i].prompt->id, backend->model(), r.items[i].item.key(), a.label, a.raw});
        }
        waiting.answer(r.items[i].id, a.label, out);
      }
    }
    if (!fresh.empty()) store->put(fresh);  // before the replies: a label once sent is durable
    sendReplies(out);
  };

  auto report = [&] {
    const double dt = std::chrono::duration<double>(Clock::now() - last_report).count();
    const int64_t calls = c.backend_calls - last_c.backend_calls;
    const double latency = calls ? (c.backend_seconds - last_c.backend_seconds) / static_cast<double>(calls) : 0.0;
    const double labels_per_s = static_cast<double>(c.labelled - last_c.labelled) / dt;
    spdlog::info("llm_server: requests {} | items {} | store hits {} | labelled {} ({:.1f}/s) | no label {} | backend errors {} | backlog {} | dropped {} | latency {:.2f} s",
                 c.requests, c.items, c.store_hits, c.labelled, labels_per_s, c.no_label, c.backend_errors, pool.backlog(), c.dropped, latency);
    if (tb) {
      const auto step = static_cast<int64_t>(std::chrono::duration<double>(Clock::now() - start).count());
      tb->scalar("annotator/requests", static_cast<double>(c.requests), step);
      tb->scalar("annotator/items", static_cast<double>(c.items), step);
      tb->scalar("annotator/store_hits", static_cast<double>(c.store_hits), step);
      tb->scalar("annotator/labelled", static_cast<double>(c.labelled), step);
      tb->scalar("annotator/labels_per_s", labels_per_s, step);
      tb->scalar("annotator/queue_depth", static_cast<double>(pool.backlog()), step);
      tb->scalar("annotator/backend_latency_s", latency, step);
      tb->scalar("annotator/parse_failures", static_cast<double>(c.no_label), step);
      tb->scalar("annotator/backend_errors", static_cast<double>(c.backend_errors), step);
      tb->scalar("annotator/dropped", static_cast<double>(c.dropped), step);
      tb->scalar("annotator/unsent_replies", static_cast<double>(c.unsent_replies), step);
      tb->flush();
    }
    last_c = c;
    last_report = Clock::now();
  };

  while (!stop) {
    if (auto m = router.receiveRouted(20ms)) handleRequest(m->first, m->second);
    handleResults();
    if (Clock::now() - last_report > std::chrono::duration<double>(o.report_interval_s)) report();
  }
  report();
  spdlog::info("llm_server: stopping; {} labels in the store", store->size());
  return 0;
}

}  // namespace spur
