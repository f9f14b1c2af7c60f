#include "envs/search/retriever.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "core/http_post.h"
#include "core/status.h"

namespace spur::search {
namespace {

using nlohmann::json;

std::string fail(const std::string& what) { return "/retrieve reply: " + what; }

RetrievedDoc parseDocument(const json& d, const std::string& where) {
  if (!d.is_object()) throw Error(StatusCode::kDataLoss, fail(where + " is not a document object"));
  RetrievedDoc doc;
  const auto contents = d.find("contents");
  if (contents != d.end() && contents->is_string()) {
    doc.contents = contents->get<std::string>();
  } else if (d.contains("title") && d.contains("text") && d["title"].is_string() && d["text"].is_string()) {
    doc.contents = makeContents(d["title"].get<std::string>(), d["text"].get<std::string>());
  } else {
    throw Error(StatusCode::kDataLoss, fail(where + " has no string \"contents\""));
  }
  const auto id = d.find("id");
  if (id != d.end()) {
    if (id->is_string()) doc.id = id->get<std::string>();
    else if (id->is_number_integer()) doc.id = std::to_string(id->get<int64_t>());
  }
  return doc;
}

// An exclusive flock(2) on `path` (created if missing, left in place: removing a lock file
// races with its next user). The kernel drops it when its holder exits, so a crashed builder
// never blocks the next one. flock has no timeout: polled, up to timeout_s.
class FileLock {
 public:
  FileLock(const std::string& path, double timeout_s) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      spdlog::warn("search: cannot create the lock file {} ({}); building without it", path, std::strerror(errno));
      return;
    }
    const auto start = std::chrono::steady_clock::now();
    auto logged = start;
    while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      if (errno != EWOULDBLOCK && errno != EINTR) {
        spdlog::warn("search: cannot lock {} ({}); building without it", path, std::strerror(errno));
        return;
      }
      const auto now = std::chrono::steady_clock::now();
      const double waited = std::chrono::duration<double>(now - start).count();
      if (waited >= timeout_s) {
        ::close(fd_);
        throw Error(StatusCode::kUnavailable, path + ": another process held this lock (building the BM25 index) for over " +
                                                       std::to_string(static_cast<int64_t>(timeout_s)) + " s");
      }
      if (now - logged > std::chrono::seconds(30)) {
        spdlog::info("search: waiting for another process to finish the BM25 index ({} held for {:.0f} s)", path, waited);
        logged = now;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace

RetrievalResults IndexedCorpus::search(const std::vector<std::string>& queries, int topk) const {
  RetrievalResults out;
  out.reserve(queries.size());
  for (const auto& q : queries) {
    auto& list = out.emplace_back();
    for (const Bm25Hit& h : index.search(q, topk)) list.push_back({docs[h.doc].id, docs[h.doc].contents, h.score});
  }
  return out;
}

std::shared_ptr<const IndexedCorpus> loadIndexedCorpus(const std::string& corpus_path, const std::string& index_path, Bm25Params params,
                                                       double lock_timeout_s) {
  // One copy per process: an actor's envs all search the same corpus.
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<const IndexedCorpus>> cache;
  const std::string key = std::filesystem::absolute(corpus_path).lexically_normal().string();
  std::lock_guard<std::mutex> lock(mutex);
  if (auto hit = cache[key].lock()) return hit;
  const auto start = std::chrono::steady_clock::now();
  auto corpus = std::make_shared<IndexedCorpus>();
  corpus->corpus_path = corpus_path;
  corpus->docs = loadCorpus(corpus_path);
  const std::string path = index_path.empty() ? corpus_path + ".bm25" : index_path;
  const uint64_t fingerprint = fileFingerprint(corpus_path);
  std::string why;  // why the file on disk was not used
  const auto tryLoad = [&] {
    if (!std::filesystem::exists(path)) {
      why = "no index yet";
      return false;
    }
    try {
      corpus->index = Bm25Index::load(path, fingerprint);
    } catch (const Error& e) {
      why = e.what();
      return false;
    }
    if (corpus->index.documents() == corpus->docs.size() && corpus->index.params().k1 == params.k1 && corpus->index.params().b == params.b)
      return true;
    why = path + ": built with other BM25 parameters";
    return false;
  };
  // Lock-free first: the usual case is a file that the launcher's prepare step (or any earlier
  // process) built. Otherwise one process builds under the lock while the others wait, then
  // load what it saved; a process that took the lock after the builder finds the file complete.
  bool loaded = tryLoad();
  if (!loaded) {
    FileLock build_lock(path + ".lock", lock_timeout_s);
    loaded = tryLoad();
    if (!loaded) {
      spdlog::info("search: building the BM25 index of {} ({})", corpus_path, why);
      std::vector<std::string_view> texts;
      texts.reserve(corpus->docs.size());
      for (const auto& d : corpus->docs) texts.push_back(d.contents);
      corpus->index = Bm25Index::build(texts, params);
      corpus->built = true;
      try {
        corpus->index.save(path, fingerprint);
      } catch (const std::exception& e) {
        spdlog::warn("search: could not save the BM25 index to {} ({}); it stays in memory", path, e.what());
      }
    }
  }
  spdlog::info("search: {} passages, {} terms, index {} {} in {:.1f} s", corpus->docs.size(), corpus->index.terms(),
               loaded ? "loaded from" : "built and saved to", path,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  cache[key] = corpus;
  return corpus;
}

std::string Bm25Retriever::describe() const {
  return "bm25 over " + corpus_->corpus_path + " (" + std::to_string(corpus_->docs.size()) + " passages)";
}

HttpRetriever::HttpRetriever(HttpRetrieverOptions options) : o_(std::move(options)) {
  if (o_.url.rfind("http://", 0) != 0 && o_.url.rfind("https://", 0) != 0)
    throw Error(StatusCode::kInvalidArgument, "retriever URL must start with http:// or https://, got '" + o_.url + "'");
  if (o_.timeout_s <= 0 || o_.retries < 0 || o_.retry_delay_s < 0)
    throw Error(StatusCode::kInvalidArgument, "retriever: timeout must be > 0, retries and retry delay >= 0");
}

RetrievalResults HttpRetriever::retrieve(const std::vector<std::string>& queries, int topk) {
  const std::string body = renderJson(retrieveRequestJson(queries, topk, true));
  std::string last_error;
  for (int attempt = 0; attempt <= o_.retries; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::duration<double>(o_.retry_delay_s * attempt));
    HttpPost post(o_.url, body, "", o_.timeout_s, std::min(o_.timeout_s, 10.0));
    json reply;
    try {
      reply = post.perform();
    } catch (const Error& e) {
      last_error = e.what();
      const long status = post.httpStatus();
      if (status >= 400 && status < 500) break;  // the request itself is wrong: retrying cannot help
      continue;
    }
    try {
      return parseRetrieveResponse(reply, queries.size());
    } catch (const Error& e) {
      last_error = o_.url + ": " + e.what();  // garbage: a restarting server may answer properly next time
    }
  }
  throw Error(StatusCode::kUnavailable, last_error);
}

std::string unprocessableJson(const std::string& field, const std::string& type, const std::string& msg) {
  nlohmann::ordered_json d = {{"type", type}, {"loc", {"body", field}}, {"msg", msg}};
  return renderJson(nlohmann::ordered_json{{"detail", nlohmann::ordered_json::array({d})}});
}

std::string detailJson(const std::string& msg) { return renderJson(nlohmann::ordered_json{{"detail", msg}}); }

namespace {
struct TooManyQueries {};
}  // namespace

std::optional<RetrieveRefusal> parseRetrieveRequest(const std::string& text, const RetrieveRequestLimits& limits, RetrieveRequest* out) {
  auto refuse = [](const std::string& field, const std::string& type, const std::string& msg) {
    return RetrieveRefusal{422, unprocessableJson(field, type, msg)};
  };
  // The "queries" list is counted while it is parsed: past max_queries the parse stops
  // before the rest is materialised (a million-query body costs nothing).
  bool in_queries = false;
  int64_t count = 0;
  const json::parser_callback_t counter = [&](int depth, json::parse_event_t event, json& parsed) {
    if (depth == 1 && event == json::parse_event_t::key) in_queries = parsed == "queries";
    else if (depth == 2 && in_queries && event == json::parse_event_t::value && ++count > limits.max_queries) throw TooManyQueries{};
    return true;
  };
  json body;
  try {
    body = json::parse(text, counter);
  } catch (const TooManyQueries&) {
    return refuse("queries", "too_long", "List should have at most " + std::to_string(limits.max_queries) + " items (--max-queries)");
  } catch (const json::exception&) {
    return refuse("", "json_invalid", "JSON decode error");
  }
  if (!body.is_object() || !body.contains("queries")) return refuse("queries", "missing", "Field required");
  const json& queries = body["queries"];
  RetrieveRequest r;
  bool ok = queries.is_array();
  if (ok)
    for (const auto& q : queries) {
      if (!q.is_string()) ok = false;
      else r.queries.push_back(q.get<std::string>());
    }
  if (!ok) return refuse("queries", "list_type", "Input should be a valid list of strings");
  r.topk = limits.default_topk;
  if (body.contains("topk") && !body["topk"].is_null()) {
    if (!body["topk"].is_number_integer()) return refuse("topk", "int_type", "Input should be a valid integer");
    // An unsigned number past int64 reads as negative through get<int64_t>: refuse it as too big.
    const bool huge = body["topk"].is_number_unsigned() && body["topk"].get<uint64_t>() > static_cast<uint64_t>(limits.max_topk);
    const int64_t k = huge ? int64_t{limits.max_topk} + 1 : body["topk"].get<int64_t>();
    if (k < 0) return refuse("topk", "greater_than_equal", "Input should be greater than or equal to 0");
    if (k > limits.max_topk) return refuse("topk", "less_than_equal", "Input should be less than or equal to " + std::to_string(limits.max_topk) + " (--max-topk)");
    if (k != 0) r.topk = static_cast<int>(k);
  }
  if (body.contains("return_scores") && !body["return_scores"].is_null()) {
    if (!body["return_scores"].is_boolean()) return refuse("return_scores", "bool_type", "Input should be a valid boolean");
    r.return_scores = body["return_scores"].get<bool>();
  }
  *out = std::move(r);
  return std::nullopt;
}

nlohmann::ordered_json retrieveRequestJson(const std::vector<std::string>& queries, int topk, bool return_scores) {
  return nlohmann::ordered_json{{"queries", queries}, {"topk", topk}, {"return_scores", return_scores}};
}

nlohmann::ordered_json retrieveResponseJson(const RetrievalResults& results, bool return_scores) {
  using ojson = nlohmann::ordered_json;
  ojson result = ojson::array();
  for (const auto& list : results) {
    ojson docs = ojson::array();
    for (const auto& d : list) {
      ojson doc = {{"id", d.id}, {"contents", d.contents}};
      if (return_scores) docs.push_back({{"document", std::move(doc)}, {"score", d.score}});
      else docs.push_back(std::move(doc));
    }
    result.push_back(std::move(docs));
  }
  return ojson{{"result", std::move(result)}};
}

std::string renderJson(const nlohmann::ordered_json& j) { return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace); }

RetrievalResults parseRetrieveResponse(const json& reply, std::size_t queries) {
  if (!reply.is_object() || !reply.contains("result")) throw Error(StatusCode::kDataLoss, fail("no \"result\""));
  const json& result = reply["result"];
  if (!result.is_array()) throw Error(StatusCode::kDataLoss, fail("\"result\" is not a list"));
  if (result.size() != queries)
    throw Error(StatusCode::kDataLoss, fail(std::to_string(result.size()) + " result lists for " + std::to_string(queries) + " queries"));
  RetrievalResults out;
  for (std::size_t q = 0; q < result.size(); ++q) {
    const json& list = result[q];
    if (!list.is_array()) throw Error(StatusCode::kDataLoss, fail("result[" + std::to_string(q) + "] is not a list"));
    auto& docs = out.emplace_back();
    for (std::size_t i = 0; i < list.size(); ++i) {
      const json& item = list[i];
      const std::string where = "result[" + std::to_string(q) + "][" + std::to_string(i) + "]";
      if (item.is_object() && item.contains("document")) {
        RetrievedDoc d = parseDocument(item["document"], where + ".document");
        const auto score = item.find("score");
        if (score != item.end() && score->is_number()) d.score = score->get<double>();
        docs.push_back(std::move(d));
      } else {
        docs.push_back(parseDocument(item, where));
      }
    }
  }
  return out;
}

std::unique_ptr<Retriever> makeRetriever(const std::string& spec, const std::string& corpus_path, const std::string& index_path,
                                         const HttpRetrieverOptions& http) {
  if (spec == "bm25") return std::make_unique<Bm25Retriever>(loadIndexedCorpus(corpus_path, index_path));
  HttpRetrieverOptions o = http;
  o.url = spec;
  return std::make_unique<HttpRetriever>(o);
}

}  // namespace spur::search
