// `spur retrieve-server`: Search-R1's retrieval API (search_r1/search/retrieval_server.py) over
// spur's BM25 index, so that Search-R1/ReSeek/verl rollouts and spur's own envs can share one
// fast server. POST /retrieve {"queries": [...], "topk": k?, "return_scores": bool?} answers
// {"result": [...]} rendered as FastAPI renders it; a body that is not the schema gets 422
// with a FastAPI-style {"detail": [...]}.
#include "launch/retrieve_server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/status.h"
#include "envs/search/retriever.h"

namespace spur {
namespace {

using nlohmann::json;

struct ServerArgs {
  std::string corpus, index, host = "127.0.0.1";
  int port = 8000;
  int topk = 3;
  std::string port_file;
};

std::atomic<bool> g_stop{false};
void onSignal(int) { g_stop = true; }

// FastAPI's validation error body for one field.
std::string unprocessable(const std::string& field, const std::string& type, const std::string& msg) {
  nlohmann::ordered_json d = {{"type", type}, {"loc", {"body", field}}, {"msg", msg}};
  return search::renderJson(nlohmann::ordered_json{{"detail", nlohmann::ordered_json::array({d})}});
}

void runServer(const ServerArgs& a) {
  const auto corpus = search::loadIndexedCorpus(a.corpus, a.index);
  httplib::Server server;
  server.set_payload_max_length(64u << 20);
  server.set_read_timeout(30, 0);
  server.set_write_timeout(30, 0);
  std::atomic<int64_t> requests{0}, rejected{0};
  server.Post("/retrieve", [&](const httplib::Request& req, httplib::Response& res) {
    json body;
    try {
      body = json::parse(req.body);
    } catch (const json::exception&) {
      ++rejected;
      res.status = 422;
      res.set_content(unprocessable("", "json_invalid", "JSON decode error"), "application/json");
      return;
    }
    if (!body.is_object() || !body.contains("queries")) {
      ++rejected;
      res.status = 422;
      res.set_content(unprocessable("queries", "missing", "Field required"), "application/json");
      return;
    }
    const json queries_json = body["queries"];
    std::vector<std::string> queries;
    bool ok = queries_json.is_array();
    if (ok)
      for (const auto& q : queries_json) {
        if (!q.is_string()) ok = false;
        else queries.push_back(q.get<std::string>());
      }
    if (!ok) {
      ++rejected;
      res.status = 422;
      res.set_content(unprocessable("queries", "list_type", "Input should be a valid list of strings"), "application/json");
      return;
    }
    // topk: optional; null or 0 falls back to the server's --topk (Search-R1's `if not topk`).
    int topk = a.topk;
    if (body.contains("topk") && !body["topk"].is_null()) {
      if (!body["topk"].is_number_integer()) {
        ++rejected;
        res.status = 422;
        res.set_content(unprocessable("topk", "int_type", "Input should be a valid integer"), "application/json");
        return;
      }
      const int64_t k = body["topk"].get<int64_t>();
      if (k != 0) topk = static_cast<int>(std::clamp<int64_t>(k, 1, 10000));
    }
    bool return_scores = false;
    if (body.contains("return_scores") && !body["return_scores"].is_null()) {
      if (!body["return_scores"].is_boolean()) {
        ++rejected;
        res.status = 422;
        res.set_content(unprocessable("return_scores", "bool_type", "Input should be a valid boolean"), "application/json");
        return;
      }
      return_scores = body["return_scores"].get<bool>();
    }
    ++requests;
    res.set_content(search::renderJson(search::retrieveResponseJson(corpus->search(queries, topk), return_scores)), "application/json");
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
  spdlog::info("retrieve-server: POST http://{}:{}/retrieve ({} passages, default topk {})", a.host, port, corpus->docs.size(), a.topk);
  std::signal(SIGINT, onSignal);
  std::signal(SIGTERM, onSignal);
  // The listener runs on its own thread; this one waits for a signal and stops it.
  std::thread listener([&] { server.listen_after_bind(); });
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  server.stop();
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
  cmd->callback([a] { runServer(*a); });
}

}  // namespace spur
