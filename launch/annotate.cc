#include "launch/annotate.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/config.h"
#include "core/status.h"
#include "launch/cli_checks.h"
#include "launch/spur_config.h"
#include "llm_server/label_backend.h"
#include "llm_server/label_store.h"
#include "llm_server/prompt_template.h"

namespace spur {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

struct AnnotateArgs {
  std::string config, in, out, store;
  std::vector<std::string> overrides;
  int64_t attempts = 5;
};

// One row of the input file: .txt is one message per line; .jsonl holds objects with
// "message" (classification) or "first" and "second" (ranking), or bare JSON strings.
std::vector<AnnotationItem> readItems(const std::string& path, TemplateKind kind) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(StatusCode::kNotFound, "--in " + path + ": cannot open");
  const bool jsonl = fs::path(path).extension() == ".jsonl";
  if (!jsonl && kind == TemplateKind::kRanking)
    throw Error(StatusCode::kInvalidArgument, "--in " + path + ": a ranking prompt needs pairs: give a .jsonl file of {\"first\": ..., \"second\": ...}");
  std::vector<AnnotationItem> items;
  std::string line;
  for (int64_t lineno = 1; std::getline(in, line); ++lineno) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!jsonl) {
      items.push_back({line, std::nullopt});
      continue;
    }
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(lineno);
    json j;
    try {
      j = json::parse(line);
    } catch (const json::exception& e) {
      throw Error(StatusCode::kInvalidArgument, where + ": not JSON (" + e.what() + ")");
    }
    auto text = [&](const char* key) -> std::string {
      if (!j.contains(key) || !j[key].is_string()) throw Error(StatusCode::kInvalidArgument, where + ": expected a string field \"" + key + "\"");
      return j[key].get<std::string>();
    };
    if (kind == TemplateKind::kRanking) items.push_back({text("first"), text("second")});
    else if (j.is_string()) items.push_back({j.get<std::string>(), std::nullopt});
    else items.push_back({text("message"), std::nullopt});
  }
  return items;
}

void runAnnotate(const AnnotateArgs& a) {
  const auto start = std::chrono::steady_clock::now();
  const SpurConfig cfg = config::load<SpurConfig>(a.config, a.overrides);
  const LlmOptions& o = cfg.llm;
  if (o.batch_size < 1 || o.concurrency < 1) throw Error(StatusCode::kInvalidArgument, "llm.batch_size and llm.concurrency must be >= 1");
  const PromptTemplate prompt = loadPromptTemplate(resolveSourcePath(o.prompts_dir), o.prompt);
  auto backend = makeLabelBackend(o);
  const std::vector<AnnotationItem> items = readItems(a.in, prompt.kind);

  // Each distinct item is labelled once; answers from the store when one is given.
  std::map<std::string, Annotation> labels;
  std::vector<AnnotationItem> todo;
  std::unique_ptr<LabelStore> store;
  if (!a.store.empty()) store = LabelStore::open(a.store);
  int64_t store_hits = 0;
  for (const auto& item : items) {
    const std::string key = item.key();
    if (labels.count(key)) continue;
    if (store) {
      if (auto l = store->find(prompt.id, backend->model(), key)) {
        labels[key] = {*l, "(label store)", {}};
        ++store_hits;
        continue;
      }
    }
    labels[key] = {};
    todo.push_back(item);
  }

  // Batches run `concurrency` at a time; a failed call, or the failed items of a call, are
  // retried with back-off (the items that were answered are kept).
  const std::size_t batch = static_cast<std::size_t>(o.batch_size);
  const std::size_t batches = (todo.size() + batch - 1) / batch;
  std::atomic<std::size_t> next{0};
  std::atomic<int64_t> failed_calls{0};
  std::mutex mu;
  std::vector<std::string> errors;
  auto work = [&] {
    for (std::size_t b; (b = next++) < batches;) {
      std::vector<AnnotationItem> chunk(todo.begin() + static_cast<std::ptrdiff_t>(b * batch),
                                        todo.begin() + static_cast<std::ptrdiff_t>(std::min(todo.size(), (b + 1) * batch)));
      for (int64_t attempt = 0; attempt < a.attempts && !chunk.empty(); ++attempt) {
        const bool last = attempt + 1 == a.attempts;
        std::string error;
        std::vector<AnnotationItem> again;
        try {
          const auto out = backend->annotate(prompt, chunk);
          std::lock_guard lock(mu);
          for (std::size_t i = 0; i < chunk.size(); ++i) {
            if (out[i].error.empty()) labels[chunk[i].key()] = out[i];
            else again.push_back(chunk[i]), error = out[i].error;
          }
        } catch (const Error& e) {
          again = chunk;
          error = e.what();
        }
        if (again.empty()) break;
        ++failed_calls;
        spdlog::warn("annotate: {} of {} items failed (attempt {} of {}): {}", again.size(), chunk.size(), attempt + 1, a.attempts, error);
        if (last) {
          std::lock_guard lock(mu);
          errors.push_back(error);
          for (const auto& item : again) labels[item.key()].raw = "error: " + error;
          break;
        }
        chunk = std::move(again);
        std::this_thread::sleep_for(std::chrono::duration<double>(std::min(o.retry_max_s, o.retry_base_s * static_cast<double>(1LL << std::min<int64_t>(attempt, 20)))));
      }
    }
  };
  std::vector<std::thread> workers;
  for (int64_t i = 0; i < std::min<int64_t>(o.concurrency, static_cast<int64_t>(batches)); ++i) workers.emplace_back(work);
  for (auto& t : workers) t.join();

  if (store) {
    std::vector<StoredLabel> fresh;
    for (const auto& item : todo)
      if (const auto& l = labels[item.key()]; l.label != Label::kNone) fresh.push_back({prompt.id, backend->model(), item.key(), l.label, l.raw});
    store->put(fresh);
  }

  std::ofstream out(a.out, std::ios::binary | std::ios::trunc);
  if (!out) throw Error(StatusCode::kNotFound, "--out " + a.out + ": cannot create");
  std::map<std::string, int64_t> counts;
  for (const auto& item : items) {
    const Annotation& l = labels[item.key()];
    json row;
    if (item.second) row = {{"first", item.first}, {"second", *item.second}};
    else row = {{"message", item.first}};
    row["label"] = labelName(l.label);
    row["raw"] = l.raw;
    out << row.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
    ++counts[std::string(labelName(l.label))];
  }
  out.close();
  if (!out) throw Error(StatusCode::kDataLoss, "--out " + a.out + ": write failed");
  std::string summary;
  for (const auto& [name, n] : counts) summary += " " + name + "=" + std::to_string(n);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "annotate: %zu items (%zu distinct, %ld from the label store) with %s/%s in %.1f s:%s; %ld failed backend calls -> %s\n",
               items.size(), labels.size(), store_hits, o.backend.c_str(), prompt.id.c_str(), secs, summary.c_str(), failed_calls.load(), a.out.c_str());
  if (!errors.empty()) throw Error(StatusCode::kUnavailable, std::to_string(errors.size()) + " batches had items still failing after " + std::to_string(a.attempts) + " attempts; last error: " + errors.back());
}

}  // namespace

void addAnnotateCommand(CLI::App& app) {
  auto args = std::make_shared<AnnotateArgs>();
  auto* cmd = app.add_subcommand("annotate", "Label a file of messages (or pairs) with the configured LLM backend and prompt");
  cmd->add_option("--config", args->config, "Experiment YAML; its `llm` section is used")->required();
  cmd->add_option("--in", args->in, "messages.txt (one per line) or .jsonl ({\"message\"} or {\"first\",\"second\"})")->required();
  cmd->add_option("--out", args->out, "labels.jsonl to write (input order, one line per input row)")->required();
  cmd->add_option("--store", args->store, "SQLite label store to answer from and add to (optional)");
  cmd->add_option("--attempts", args->attempts, "Backend attempts per batch before giving up")->capture_default_str()->check(atLeast(1));
  cmd->add_option("OVERRIDES", args->overrides, "Config overrides a.b.c=value");
  cmd->callback([args] { runAnnotate(*args); });
}

}  // namespace spur
