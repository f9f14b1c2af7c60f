// `spur retrieve-server`: Search-R1's retrieval API (search_r1/search/retrieval_server.py) over
// spur's BM25 index, so that Search-R1/ReSeek/verl rollouts and spur's own envs can share one
// fast server. POST /retrieve {"queries": [...], "topk": k?, "return_scores": bool?} answers
// {"result": [...]} rendered as FastAPI renders it; a body that is not the schema gets 422
// with a FastAPI-style {"detail": [...]}.
//
// Limits, so that slow or huge clients cannot stall the server or exhaust its memory:
//   - every connection has a thread of its own (up to --max-connections), so a client that
//     sends slowly holds only its own thread; searches run on at most --threads of them at once
//     and wait at most --timeout for a turn (503 past it);
//   - accepted connections beyond --max-connections wait in a queue of --queue; when that is
//     full the server stops accepting and the kernel's listen backlog holds the rest;
//   - every socket read and write times out after --timeout (cpp-httplib's per-call timeouts);
//   - a body over --max-body-bytes is refused (413) before or while it is read (also chunked or
//     compressed ones), more than --max-queries queries or a topk over --max-topk get 422, the
//     query count checked while parsing so that a million-query body allocates nothing more;
//   - one request per connection: a refused body is never read on as the next request.
#include "launch/retrieve_server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <deque>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <semaphore>
#include <thread>

#include "core/status.h"
#include "envs/search/retriever.h"

namespace spur {
namespace {


struct ServerArgs {
  std::string corpus, index, host = "127.0.0.1";
  int port = 8000;
  int topk = 3;
  std::string port_file;
  int max_queries = 4096;
  int max_topk = 100;
  int64_t max_body_bytes = 16 << 20;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int max_connections = 64;
  int queue = 256;
  double timeout_s = 10;
};

std::atomic<bool> g_stop{false};
void onSignal(int) { g_stop = true; }

// The connection threads (httplib::TaskQueue): started on demand up to `threads`, each serving
// one connection at a time; at most `queue` accepted connections wait for one. enqueue() runs on
// cpp-httplib's accepting thread, so blocking it while the queue is full is what bounds it.
class ConnectionPool : public httplib::TaskQueue {
 public:
  ConnectionPool(std::size_t threads, std::size_t queue, const std::atomic<bool>& stopping)
      : max_threads_(threads), max_queue_(queue), stopping_(stopping) {}
  ~ConnectionPool() override { shutdown(); }

  void enqueue(std::function<void()> fn) override {
    std::unique_lock<std::mutex> lock(mutex_);
    // Woken by a connection that finishes; polled for a stop, which must not wait on the clients.
    while (queue_.size() >= max_queue_ && !stopping_) space_.wait_for(lock, std::chrono::milliseconds(100));
    queue_.push_back(std::move(fn));
    // idle_ counts workers not yet woken for earlier tasks too: compare with the whole queue.
    if (queue_.size() > idle_ && workers_.size() < max_threads_) workers_.emplace_back([this] { work(); });
    work_.notify_one();
  }

  // Waits for the connections in hand: each ends within its socket timeouts once the server has
  // stopped (cpp-httplib then closes queued connections unserved).
  void shutdown() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (shut_) return;
      shut_ = true;
    }
    work_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

 private:
  void work() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
      ++idle_;
      work_.wait(lock, [this] { return shut_ || !queue_.empty(); });
      --idle_;
      if (queue_.empty()) return;  // shut down and drained
      std::function<void()> fn = std::move(queue_.front());
      queue_.pop_front();
      space_.notify_one();
      lock.unlock();
      fn();
      lock.lock();
    }
  }

  const std::size_t max_threads_, max_queue_;
  const std::atomic<bool>& stopping_;
  std::mutex mutex_;
  std::condition_variable work_, space_;
  std::deque<std::function<void()>> queue_;
  std::vector<std::thread> workers_;
  std::size_t idle_ = 0;
  bool shut_ = false;
};

void runServer(const ServerArgs& a) {
  if (a.topk > a.max_topk) throw Error(StatusCode::kInvalidArgument, "retrieve-server: --topk " + std::to_string(a.topk) + " is over --max-topk " + std::to_string(a.max_topk));
  const auto corpus = search::loadIndexedCorpus(a.corpus, a.index);
  httplib::Server server;
  std::atomic<bool> stopping{false};
  server.new_task_queue = [&] { return new ConnectionPool(static_cast<std::size_t>(a.max_connections), static_cast<std::size_t>(a.queue), stopping); };
  const auto timeout = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::duration<double>(a.timeout_s));
  server.set_read_timeout(timeout);
  server.set_write_timeout(timeout);
  server.set_keep_alive_timeout(static_cast<time_t>(std::max(1.0, a.timeout_s)));
  server.set_keep_alive_max_count(1);
  server.set_payload_max_length(static_cast<std::size_t>(a.max_body_bytes));
  std::counting_semaphore<> searches(a.threads);
  const std::string too_large = search::detailJson("Request body over " + std::to_string(a.max_body_bytes) + " bytes (--max-body-bytes)");
  const auto declaredTooLarge = [&](const httplib::Request& req) {
    if (!req.has_header("Content-Length")) return false;
    const std::string value = req.get_header_value("Content-Length");
    return value.size() > 18 || std::strtoull(value.c_str(), nullptr, 10) > static_cast<uint64_t>(a.max_body_bytes);
  };
  // A client that asks before sending its body is refused before it sends it.
  server.set_expect_100_continue_handler([&](const httplib::Request& req, httplib::Response& res) {
    if (!declaredTooLarge(req)) return 100;
    res.set_content(too_large, "application/json");
    return 413;
  });
  std::atomic<int64_t> requests{0}, rejected{0};
  server.Post("/retrieve", [&](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& read_body) {
    const auto reject = [&](int status, const std::string& body) {
      ++rejected;
      res.status = status;
      res.set_content(body, "application/json");
    };
    if (declaredTooLarge(req)) return reject(413, too_large);
    std::string text;
    bool over = false;
    read_body([&](const char* data, std::size_t n) {
      if (text.size() + n > static_cast<std::size_t>(a.max_body_bytes)) {
        over = true;  // chunked or decompressed past the limit: stop reading
        return false;
      }
      text.append(data, n);
      return true;
    });
    if (over) return reject(413, too_large);
    search::RetrieveRequest request;
    const auto refusal = search::parseRetrieveRequest(text, {a.max_queries, a.max_topk, a.topk}, &request);
    text = std::string();
    if (refusal) return reject(refusal->status, refusal->body);
    if (!searches.try_acquire_for(timeout)) return reject(503, search::detailJson("Server busy: no search slot within " + std::to_string(a.timeout_s) + " s"));
    search::RetrievalResults results;
    try {
      results = corpus->search(request.queries, request.topk);
    } catch (...) {
      searches.release();
      throw;
    }
    searches.release();
    ++requests;
    res.set_content(search::renderJson(search::retrieveResponseJson(results, request.return_scores)), "application/json");
  });
  int port = a.port;
  if (port == 0) {
    port = server.bind_to_any_port(a.host);
    if (port < 0) throw Error(StatusCode::kUnavailable, "retrieve-server: cannot bind " + a.host);
  } else if (!server.bind_to_port(a.host, port)) {
    throw Error(StatusCode::kUnavailable, "retrieve-server: cannot bind " + a.host + ":" + std::to_string(port) + " (in use?)");
  }
  if (a.host != "127.0.0.1" && a.host != "localhost" && a.host != "::1")
    spdlog::warn("retrieve-server: listening on {}, reachable from other hosts without authentication", a.host);
  if (!a.port_file.empty()) {
    const std::string tmp = a.port_file + ".tmp";
    std::FILE* f = std::fopen(tmp.c_str(), "w");
    if (!f) throw Error(StatusCode::kNotFound, a.port_file + ": cannot write");
    std::fprintf(f, "%d\n", port);
    std::fclose(f);
    std::rename(tmp.c_str(), a.port_file.c_str());
  }
  spdlog::info("retrieve-server: POST http://{}:{}/retrieve ({} passages, default topk {}; limits: {} queries, topk {}, {} body bytes, "
               "{} connections + {} queued, {} searches at once, {} s timeouts)",
               a.host, port, corpus->docs.size(), a.topk, a.max_queries, a.max_topk, a.max_body_bytes, a.max_connections, a.queue, a.threads,
               a.timeout_s);
  std::signal(SIGINT, onSignal);
  std::signal(SIGTERM, onSignal);
  // The listener runs on its own thread; this one waits for a signal and stops it.
  std::promise<void> listening_done;
  std::future<void> finished = listening_done.get_future();
  std::thread listener([&] {
    server.listen_after_bind();
    listening_done.set_value();
  });
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  stopping = true;
  server.stop();
  // Connections in hand end within their socket timeouts, but a client trickling bytes can keep
  // one going; a stop does not wait for it past a grace period.
  const auto grace = std::chrono::duration<double>(2 * a.timeout_s + 5);
  if (finished.wait_for(grace) != std::future_status::ready) {
    spdlog::warn("retrieve-server: connections still open {:.0f} s after the stop; exiting without them", grace.count());
    spdlog::shutdown();
    std::_Exit(0);
  }
  listener.join();
  spdlog::info("retrieve-server: stopped after {} requests ({} rejected)", requests.load(), rejected.load());
}

}  // namespace

void addRetrieveServerCommand(CLI::App& app) {
  auto a = std::make_shared<ServerArgs>();
  CLI::App* cmd = app.add_subcommand("retrieve-server", "Serve Search-R1's POST /retrieve API over spur's BM25 index of a corpus jsonl");
  cmd->add_option("--corpus", a->corpus, "Corpus jsonl ({\"id\", \"contents\": \"\\\"Title\\\"\\ntext\"} per line)")->required();
  cmd->add_option("--index", a->index, "BM25 index file (default: CORPUS.bm25; built and saved when missing or stale)");
  cmd->add_option("--host", a->host, "Address to bind (default loopback; 0.0.0.0 for other hosts)")->capture_default_str();
  cmd->add_option("--port", a->port, "Port (0: any free port, written to --port-file)")->capture_default_str();
  cmd->add_option("--topk", a->topk, "Documents per query when a request gives no topk")->check(CLI::Range(1, 10000))->capture_default_str();
  cmd->add_option("--port-file", a->port_file, "Write the bound port to this file once listening");
  cmd->add_option("--max-queries", a->max_queries, "Most queries in one request (more: 422)")->check(CLI::Range(1, 1 << 24))->capture_default_str();
  cmd->add_option("--max-topk", a->max_topk, "Largest topk a request may ask for (more: 422)")->check(CLI::Range(1, 10000))->capture_default_str();
  cmd->add_option("--max-body-bytes", a->max_body_bytes, "Largest request body (more: 413)")->check(CLI::Range(int64_t{1024}, int64_t{1} << 32))->capture_default_str();
  cmd->add_option("--threads", a->threads, "Searches run at once (default: the CPU count)")->check(CLI::Range(1, 1024))->capture_default_str();
  cmd->add_option("--max-connections", a->max_connections, "Connections served at once, a thread each")->check(CLI::Range(1, 1000))->capture_default_str();
  cmd->add_option("--queue", a->queue, "Accepted connections waiting for a thread; beyond them the server stops accepting")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  cmd->add_option("--timeout", a->timeout_s, "Seconds: each socket read and write, and the wait for a search slot (503)")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  cmd->callback([a] { runServer(*a); });
}

}  // namespace spur
