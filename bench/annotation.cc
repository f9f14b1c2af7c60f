// bench/annotation: what the annotation path costs, measured in one run here.
//   (1) label store: lookups/s of stored labels (SQLite, WAL) by one connection, random
//       keys of a store holding --store-labels labels (all hits)
//   (2) llm_server: items/s through its ROUTER with the rules backend (instant, so the
//       server itself is measured: parsing, store lookups and writes, batching, replies),
//       a DEALER client keeping --in-flight requests of --request-items new items each
//   (2b) the same items again: answered from the store
//   (3) training: `spur train configs/nethack_score.yaml` frames/s with reward.type=none and
//       with reward.type=retrieval (the whole intrinsic path: the learner publishes messages,
//       the reward learner asks the llm_server, labels come back as reward tables that the
//       learner applies to every batch), the rules backend labelling instantly so that no
//       LLM competes for the CPU. Alternating rounds, pooled. With --neural also
//       reward.type=classification and ranking (their networks train in the reward learner,
//       on the same CPUs here): shown, not part of RESULT.
// RESULT lookups_per_s = (1), server_items_per_s = (2), fps_ratio_retrieval_vs_none = (3).
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <thread>

#include "bench/train_measure.h"
#include "core/schema/spur.capnp.h"
#include "core/status.h"
#include "core/transport.h"
#include "llm_server/label_store.h"
#include "llm_server/llm_server_role.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

std::string message(uint64_t i) { return "You see here " + std::to_string(i) + " gold pieces and a scroll labelled bench."; }

double storeLookups(const fs::path& dir, int64_t labels, double seconds) {
  auto store = spur::LabelStore::open((dir / "lookups.sqlite").string());
  std::vector<spur::StoredLabel> batch;
  for (int64_t i = 0; i < labels; ++i) {
    batch.push_back({"classify_score", "bench", message(static_cast<uint64_t>(i)), i % 3 ? spur::Label::kNotHelpful : spur::Label::kHelpful, ""});
    if (batch.size() == 10000) store->put(batch), batch.clear();
  }
  if (!batch.empty()) store->put(batch);
  std::mt19937_64 rng(1);
  std::uniform_int_distribution<int64_t> pick(0, labels - 1);
  int64_t n = 0, hits = 0;
  const auto t0 = Clock::now();
  while (Clock::now() - t0 < std::chrono::duration<double>(seconds)) {
    for (int k = 0; k < 1000; ++k, ++n) hits += store->find("classify_score", "bench", message(static_cast<uint64_t>(pick(rng)))).has_value();
  }
  const double dt = std::chrono::duration<double>(Clock::now() - t0).count();
  if (hits != n) throw spur::Error(spur::StatusCode::kInternal, "label store lookups missed: " + std::to_string(n - hits) + " of " + std::to_string(n));
  return static_cast<double>(n) / dt;
}

// Sends `items` items (ids first..first+items) in requests of `per_request`, keeping
// `in_flight` requests outstanding; returns items answered per second.
double serverItems(const std::string& address, uint64_t first, int64_t items, int64_t per_request, int64_t in_flight) {
  zmq::context_t ctx(1);
  auto dealer = spur::MessageSocket::connect(ctx, spur::SocketKind::kDealer, address);
  std::unordered_map<uint64_t, int64_t> open;  // request id -> items not yet answered
  uint64_t next_id = 1, next_item = first;
  int64_t sent = 0, answered = 0;
  const auto t0 = Clock::now();
  while (answered < items) {
    while (static_cast<int64_t>(open.size()) < in_flight && sent < items) {
      const int64_t n = std::min(per_request, items - sent);
      capnp::MallocMessageBuilder msg;
      auto r = msg.initRoot<spur::schema::AnnotateRequest>();
      r.setSchemaVersion(spur::schema::CURRENT_VERSION);
      r.getSender().setRole(spur::schema::Role::REWARD_LEARNER);
      r.setRequestId(next_id);
      r.setTemplateId("classify_score");
      auto list = r.initItems(static_cast<unsigned>(n));
      for (int64_t k = 0; k < n; ++k) list[static_cast<unsigned>(k)].setFirst(message(next_item++));
      if (!dealer.send(msg, 5000ms)) throw spur::Error(spur::StatusCode::kUnavailable, "llm_server not taking requests at " + address);
      open[next_id++] = n;
      sent += n;
    }
    auto m = dealer.receive(30000ms);
    if (!m) throw spur::Error(spur::StatusCode::kUnavailable, "no reply from the llm_server for 30 s");
    if (!m->parse().isOk()) continue;
    auto reply = m->root<spur::schema::AnnotateReply>();
    if (reply.hasError() && reply.getError().size() > 0) throw spur::Error(spur::StatusCode::kInternal, std::string("llm_server refused: ") + reply.getError().cStr());
    auto it = open.find(reply.getRequestId());
    if (it == open.end()) continue;
    const auto got = static_cast<int64_t>(reply.getLabels().size());
    answered += got;
    if ((it->second -= got) <= 0) open.erase(it);
  }
  return static_cast<double>(items) / std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Annotation path: label-store lookups/s, llm_server items/s, training frames/s with retrieval vs none"};
  double lookup_seconds = 3, train_seconds = 40, warmup = 20;
  int64_t store_labels = 100000, server_items = 50000, request_items = 256, in_flight = 4;
  int rounds = 2;
  std::string config = std::string(SPUR_BENCH_REPO) + "/configs/nethack_score.yaml";
  std::string spur_bin = SPUR_BENCH_BINARY;
  bool no_train = false, neural = false;
  app.add_option("--lookup-seconds", lookup_seconds, "Seconds of label-store lookups")->capture_default_str();
  app.add_option("--store-labels", store_labels, "Labels in the store for (1)")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--server-items", server_items, "Items through the llm_server for (2)")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--request-items", request_items, "Items per request")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--in-flight", in_flight, "Requests outstanding")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--train-seconds", train_seconds, "Seconds of training measured per round and mode for (3)")->capture_default_str();
  app.add_option("--warmup", warmup, "Seconds of training before each measurement")->capture_default_str();
  app.add_option("--rounds", rounds, "Alternating rounds of none / retrieval")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--config", config, "Training config for (3)")->capture_default_str();
  app.add_flag("--no-train", no_train, "Skip (3)");
  app.add_flag("--neural", neural, "(3) also with reward.type=classification and ranking");
  CLI11_PARSE(app, argc, argv);

  const fs::path dir = fs::temp_directory_path() / ("spur-bench-annotation-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  try {
    std::printf("(1) label store lookups ...\n");
    std::fflush(stdout);
    const double lookups = storeLookups(dir, store_labels, lookup_seconds);

    std::printf("(2) llm_server with the rules backend ...\n");
    std::fflush(stdout);
    spur::LlmServerRoleOptions so;
    so.llm.backend = "rules";
    so.llm.rules = {{"gold", "helpful"}};
    so.llm.max_backlog = 1000000;
    so.address = "ipc://" + (dir / "llm.sock").string();
    so.store_path = (dir / "server.sqlite").string();
    so.prompts_dir = std::string(SPUR_BENCH_REPO) + "/configs/prompts";
    so.report_interval_s = 1e9;
    std::atomic<bool> stop{false};
    std::thread server([&] { spur::runLlmServer(so, stop); });
    double fresh = 0, cached = 0;
    try {
      fresh = serverItems(so.address, 0, server_items, request_items, in_flight);
      cached = serverItems(so.address, 0, server_items, request_items, in_flight);
    } catch (...) {
      stop = true;
      server.join();
      throw;
    }
    stop = true;
    server.join();

    // Modes of (3): reward.type and its overrides; the rules backend labels instantly.
    const std::vector<std::string> rules = {"reward.int_coeff=0.4", "llm.backend=rules", "llm.rules=[{pattern: 'gold|kill|destroy', label: helpful}]"};
    std::vector<std::pair<std::string, std::vector<std::string>>> modes = {{"none", {}}, {"retrieval", {"llm.prompt=classify_score"}}};
    if (neural) {
      modes.push_back({"classification", {"llm.prompt=classify_score"}});
      modes.push_back({"ranking", {"llm.prompt=rank_score"}});
    }
    std::vector<double> mean_fps(modes.size(), 0.0);
    std::vector<double> ratios;
    if (!no_train) {
      const std::regex frames_re("progress: frames ([0-9]+)"), model_re("with ([0-9]+) parameters, ([0-9]+) MACs per step");
      for (int round = 1; round <= rounds; ++round) {
        std::vector<double> fps(modes.size(), 0.0);
        for (std::size_t mode = 0; mode < modes.size(); ++mode) {
          const std::string& type = modes[mode].first;
          const std::string name = type + "-" + std::to_string(round);
          std::vector<std::string> args = {spur_bin, "train", config, "run.dir=" + dir.string(), "run.name=" + name, "run.total_frames=0", "reward.type=" + type};
          if (mode > 0) {
            args.insert(args.end(), rules.begin(), rules.end());
            args.insert(args.end(), modes[mode].second.begin(), modes[mode].second.end());
          }
          std::printf("(3) round %d: training with reward.type=%s ...\n", round, type.c_str());
          std::fflush(stdout);
          fps[mode] = spur::bench::measureTraining(args, dir / (name + ".out"), dir / name / "logs" / "learner-0.log", frames_re, model_re, warmup, train_seconds).fps;
          mean_fps[mode] += fps[mode] / rounds;
        }
        ratios.push_back(fps[1] / fps[0]);
      }
    }
    const double none_fps = mean_fps[0], retrieval_fps = mean_fps[1];

    std::printf("\nrounds (retrieval / none):");
    for (double r : ratios) std::printf(" %.3f", r);
    std::printf("\n%-70s %14s %7s\n", "mode", "rate", "ratio");
    std::printf("%-70s %10.0f/s %7s\n", "(1) label store lookups (SQLite WAL, one connection, hits)", lookups, "");
    std::printf("%-70s %10.0f/s %7s\n", "(2) llm_server items, rules backend (new items: backend + store writes)", fresh, "");
    std::printf("%-70s %10.0f/s %7.2f\n", "(2b) llm_server items answered from the store", cached, cached / fresh);
    if (!no_train)
      for (std::size_t mode = 0; mode < modes.size(); ++mode)
        std::printf("%-70s %10.0f/s %7.3f\n", ("(3) spur train nethack_score.yaml, reward.type=" + modes[mode].first + (mode ? " (rules)" : "")).c_str(),
                    mean_fps[mode], mean_fps[mode] / none_fps);
    std::printf("\nRESULT lookups_per_s=%.0f server_items_per_s=%.0f fps_ratio_retrieval_vs_none=%s\n", lookups, fresh,
                no_train ? "skipped" : std::to_string(retrieval_fps / none_fps).substr(0, 5).c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench annotation: %s\n", e.what());
    return 1;
  }
  fs::remove_all(dir);
  return 0;
}
