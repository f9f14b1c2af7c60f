// bench/search: the web-search env's retrieval against its Python peers, in one run, on one
// generated corpus (`spur search-generate`, --entities 20000: over 100k passages).
//   BM25: spur's index (envs/search/bm25.h) vs bm25s (PyPI, numpy sparse BM25, the same Lucene
//     scoring and tokens) on the same questions, top-k; both single-threaded; the result lists
//     are compared (equal, or different only where scores tie).
//   /retrieve: `spur retrieve-server` vs a FastAPI + bm25s server of the same API
//     (envs/search/reference/retrieval_api_server.py, what Search-R1's server is built with),
//     --clients concurrent clients posting one question each, for --seconds each.
//   env: SearchEnv turns/s (in-process BM25, one thread), each episode search, judge, search
//     again, answer: the candidates' first search, judge and answer turns.
// Prints one table and `RESULT bm25_vs_python=X server_qps=Y`.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/http_post.h"
#include "core/status.h"
#include "core/subprocess.h"
#include "envs/search/bm25.h"
#include "envs/search/retriever.h"
#include "envs/search/search_env.h"
#include "envs/search/world_generator.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace spur;

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

int waitForPort(const std::string& file, const BackgroundProcess& process, const std::string& log) {
  for (int i = 0; i < 1200; ++i) {
    std::ifstream in(file);
    int port = 0;
    if (in >> port && port > 0) return port;
    if (!process.alive()) throw Error(StatusCode::kUnavailable, "server exited before listening (log: " + log + ")");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw Error(StatusCode::kUnavailable, "server did not listen within 120 s (log: " + log + ")");
}

// Requests/s of a /retrieve server: `clients` threads, each posting one question per request.
double measureServer(int port, const std::vector<std::string>& queries, int clients, double duration_s, int64_t* errors) {
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/retrieve";
  // Warm-up: one request, which must be a proper reply.
  HttpPost warm(url, search::renderJson(search::retrieveRequestJson({queries[0]}, 3, true)), "", 30);
  search::parseRetrieveResponse(warm.perform(), 1);
  std::atomic<int64_t> done{0}, failed{0};
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  const auto until = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(duration_s));
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      std::size_t q = static_cast<std::size_t>(c);
      while (Clock::now() < until) {
        try {
          HttpPost post(url, search::renderJson(search::retrieveRequestJson({queries[q % queries.size()]}, 3, true)), "", 30);
          search::parseRetrieveResponse(post.perform(), 1);
          ++done;
        } catch (const Error&) {
          ++failed;
        }
        q += static_cast<std::size_t>(clients);
      }
    });
  }
  for (auto& t : threads) t.join();
  *errors = failed.load();
  return static_cast<double>(done.load()) / seconds(Clock::now() - start);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench/search: spur's BM25, /retrieve server and search env against Python peers on one generated corpus"};
  int64_t entities = 20000;
  uint64_t seed = 7;
  int64_t max_queries = 2000;
  int k = 3;
  int clients = 4;
  double server_seconds = 5;
  std::string dir;
  std::string python = SPUR_BENCH_PYTHON;
  app.add_option("--entities", entities, "World size (20000: over 100k passages)")->capture_default_str();
  app.add_option("--seed", seed, "World seed")->capture_default_str();
  app.add_option("--queries", max_queries, "Questions used as queries")->capture_default_str();
  app.add_option("--k", k, "Documents per query")->capture_default_str();
  app.add_option("--clients", clients, "Concurrent /retrieve clients")->capture_default_str();
  app.add_option("--seconds", server_seconds, "Seconds per server measurement")->capture_default_str();
  app.add_option("--dir", dir, "Where the world is generated (default: a temp directory, kept for reruns)");
  app.add_option("--python", python, "Python with bm25s, fastapi, uvicorn (the project venv)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    if (dir.empty()) dir = (fs::temp_directory_path() / ("spur-bench-search-" + std::to_string(entities) + "-" + std::to_string(seed))).string();
    const fs::path corpus_path = fs::path(dir) / "corpus.jsonl";
    double generate_s = -1;
    if (!fs::exists(corpus_path)) {
      search::WorldOptions w;
      w.entities = entities;
      w.seed = seed;
      const auto start = Clock::now();
      const auto world = search::generateSearchWorld(w);
      search::writeSearchWorld(world, w, dir);
      generate_s = seconds(Clock::now() - start);
    }
    const auto docs = search::loadCorpus(corpus_path.string());
    std::vector<std::string> queries;
    for (const char* split : {"train.jsonl", "test.jsonl"})
      for (const auto& q : search::loadQuestions((fs::path(dir) / split).string()))
        if (static_cast<int64_t>(queries.size()) < max_queries) queries.push_back(q.question);
    std::printf("corpus: %zu passages (%s), %zu questions as queries, top-%d\n", docs.size(), corpus_path.c_str(), queries.size(), k);

    // spur's BM25: build, then the queries on one thread, repeated for at least a second.
    std::vector<std::string_view> texts;
    for (const auto& d : docs) texts.push_back(d.contents);
    auto start = Clock::now();
    const search::Bm25Index index = search::Bm25Index::build(texts);
    const double spur_build_s = seconds(Clock::now() - start);
    std::vector<std::vector<search::Bm25Hit>> spur_results(queries.size());
    int64_t spur_queries = 0;
    start = Clock::now();
    do {
      for (std::size_t i = 0; i < queries.size(); ++i) spur_results[i] = index.search(queries[i], k);
      spur_queries += static_cast<int64_t>(queries.size());
    } while (seconds(Clock::now() - start) < 1.0);
    const double spur_qps = static_cast<double>(spur_queries) / seconds(Clock::now() - start);

    // bm25s on the same corpus and queries.
    const std::string queries_file = (fs::path(dir) / "bench_queries.json").string();
    const std::string python_out = (fs::path(dir) / "bench_bm25s.json").string();
    std::ofstream(queries_file) << nlohmann::json(queries).dump();
    SubprocessResult r;
    throwIfError(runSubprocess({python, std::string(SPUR_BENCH_REPO) + "/bench/search_bm25s.py", corpus_path.string(), queries_file,
                                std::to_string(k), python_out},
                               &r));
    if (r.exit_code != 0) throw Error(StatusCode::kInternal, "bench/search_bm25s.py failed");
    nlohmann::json py;
    std::ifstream(python_out) >> py;
    const double py_qps = py["queries"].get<double>() / py["query_s"].get<double>();
    int64_t identical = 0, tie_only = 0, differ = 0;
    for (std::size_t i = 0; i < queries.size(); ++i) {
      const auto& mine = spur_results[i];
      const auto& theirs = py["results"][i];
      bool same = mine.size() == theirs.size();
      bool scores_match = same;
      for (std::size_t j = 0; same && j < mine.size(); ++j) {
        same = mine[j].doc == theirs[j][0].get<uint32_t>();
        scores_match = scores_match && std::abs(mine[j].score - theirs[j][1].get<double>()) <= 1e-4 * std::max(1.0, std::abs(theirs[j][1].get<double>()));
      }
      if (same) {
        ++identical;
      } else if (scores_match) {
        ++tie_only;  // the same scores in the same order: documents that tie, ordered differently
      } else {
        ++differ;
      }
    }

    // /retrieve servers.
    const std::string port_file = (fs::path(dir) / "bench_port").string();
    const std::string log_spur = (fs::path(dir) / "bench_spur_server.log").string();
    const std::string log_py = (fs::path(dir) / "bench_fastapi_server.log").string();
    fs::remove(port_file);
    double spur_server_qps = 0, py_server_qps = 0;
    int64_t spur_errors = 0, py_errors = 0;
    {
      BackgroundProcess server({std::string(SPUR_BENCH_BINARY), "retrieve-server", "--corpus", corpus_path.string(), "--port", "0", "--port-file", port_file},
                               log_spur);
      spur_server_qps = measureServer(waitForPort(port_file, server, log_spur), queries, clients, server_seconds, &spur_errors);
    }
    fs::remove(port_file);
    {
      BackgroundProcess server({python, std::string(SPUR_BENCH_REPO) + "/envs/search/reference/retrieval_api_server.py", "--corpus", corpus_path.string(),
                                "--port-file", port_file},
                               log_py);
      py_server_qps = measureServer(waitForPort(port_file, server, log_py), queries, clients, server_seconds, &py_errors);
    }

    // The env: search, judge, search, answer per episode, in-process BM25 (the env loads the
    // index saved above, outside the timed loop).
    SearchOptions o;
    o.data_dir = dir;
    o.topk = k;
    SearchEnv env(o);
    int64_t turns = 0, episodes = 0, phase = 0;
    const char* kinds[] = {"<search>", "<judge>", "<search>", "<answer>"};
    auto pick = [&](const char* prefix) -> int64_t {
      const auto c = env.candidates();
      for (std::size_t i = 0; i < c.size(); ++i)
        if (c[i].rfind(prefix, 0) == 0) return static_cast<int64_t>(i);
      return static_cast<int64_t>(c.size()) - 1;
    };
    start = Clock::now();
    env.reset(0);
    while (seconds(Clock::now() - start) < 2.0) {
      const StepResult s = env.step(pick(kinds[phase]));
      ++turns;
      phase = (phase + 1) % 4;
      if (s.done) {
        ++episodes;
        phase = 0;
        env.reset(static_cast<uint64_t>(episodes));
      }
    }
    const double env_tps = static_cast<double>(turns) / seconds(Clock::now() - start);

    std::printf("\n%-52s %14s %14s %10s\n", "", "spur", "Python peer", "ratio");
    if (generate_s >= 0) std::printf("%-52s %14.1f %14s %10s\n", "generate the world (s, spur search-generate)", generate_s, "-", "-");
    std::printf("%-52s %14.2f %14.2f %10.1f\n", "BM25 index build (s)", spur_build_s, py["index_s"].get<double>(), py["index_s"].get<double>() / spur_build_s);
    std::printf("%-52s %14.0f %14.0f %10.1f\n", "BM25 queries/s, one thread (peer: bm25s)", spur_qps, py_qps, spur_qps / py_qps);
    std::printf("%-52s %14.0f %14.0f %10.1f\n", "/retrieve requests/s (peer: FastAPI + bm25s)", spur_server_qps, py_server_qps, spur_server_qps / py_server_qps);
    std::printf("%-52s %14.0f %14s %10s\n", "env turns/s (search, judge, search, answer)", env_tps, "-", "-");
    std::printf("%-52s %14lld %14lld\n", "/retrieve errors", static_cast<long long>(spur_errors), static_cast<long long>(py_errors));
    std::printf("top-%d lists vs bm25s: %lld identical, %lld differ only in the order of tied scores, %lld differ (of %zu)\n", k,
                static_cast<long long>(identical), static_cast<long long>(tie_only), static_cast<long long>(differ), queries.size());
    std::printf("%zu passages, %d clients, %lld env episodes\n", docs.size(), clients, static_cast<long long>(episodes));
    std::printf("RESULT bm25_vs_python=%.1f server_qps=%.0f\n", spur_qps / py_qps, spur_server_qps);
    return differ == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench/search: %s\n", e.what());
    return 1;
  }
}
