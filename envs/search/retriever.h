// Retriever: where the web-search env's queries go. Two implementations behind one interface:
//   - Bm25Retriever: spur's BM25 (bm25.h) over a corpus jsonl, in process; the corpus and its
//     index are loaded once per process and shared by every env (the index is built on first
//     use and saved beside the corpus, or at an explicit path);
//   - HttpRetriever: a Search-R1-compatible `POST /retrieve` server (spur retrieve-server, or a
//     user's e5/BM25 server), with a timeout and bounded retries.
// And the JSON of Search-R1's /retrieve API, shared by spur's server and the client.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "envs/search/bm25.h"
#include "envs/search/corpus.h"

namespace spur::search {

struct RetrievedDoc {
  std::string id;        // empty when the server sends none (pyserini's BM25 server)
  std::string contents;  // "\"Title\"\ntext"
  double score = 0;
};
using RetrievalResults = std::vector<std::vector<RetrievedDoc>>;  // one list per query, best first

class Retriever {
 public:
  virtual ~Retriever() = default;
  // At most topk documents per query, in query order. Error(kUnavailable) when the retriever
  // cannot answer (server down, timeouts after the retries, a reply that is not the API's).
  virtual RetrievalResults retrieve(const std::vector<std::string>& queries, int topk) = 0;
  // One line for logs ("bm25 over data/search/corpus.jsonl (101234 passages)").
  virtual std::string describe() const = 0;
};

// A corpus and its BM25 index, immutable once loaded.
struct IndexedCorpus {
  std::string corpus_path;
  std::vector<CorpusDoc> docs;
  Bm25Index index;
  bool built = false;  // this process built the index (rather than loading a saved one)

  RetrievalResults search(const std::vector<std::string>& queries, int topk) const;
};

// The corpus at `corpus_path` with its index: read from `index_path` (default: corpus_path +
// ".bm25") when that file exists, passes its checksum and matches the corpus and params; else
// built and saved there (a save that fails is logged and the index kept in memory). Any
// number of processes may call this at once for one index: the build runs under an exclusive
// lock on INDEX.lock (flock; the file stays), so one process builds and the others load its
// file; a damaged, stale or old-format file is rebuilt, never misread. Cached per process by
// path: every env of a process shares one copy. Thread-safe. Errors: the corpus's
// (loadCorpus); Error(kUnavailable) naming the lock file when another process holds it for
// longer than lock_timeout_s.
std::shared_ptr<const IndexedCorpus> loadIndexedCorpus(const std::string& corpus_path, const std::string& index_path = "",
                                                       Bm25Params params = {}, double lock_timeout_s = 3600);

class Bm25Retriever : public Retriever {
 public:
  explicit Bm25Retriever(std::shared_ptr<const IndexedCorpus> corpus) : corpus_(std::move(corpus)) {}
  RetrievalResults retrieve(const std::vector<std::string>& queries, int topk) override { return corpus_->search(queries, topk); }
  std::string describe() const override;

 private:
  std::shared_ptr<const IndexedCorpus> corpus_;
};

struct HttpRetrieverOptions {
  std::string url;          // http://host:port/retrieve
  double timeout_s = 10;    // per request
  int retries = 3;          // further attempts after a failure (HTTP 4xx is not retried)
  double retry_delay_s = 1; // before attempt i: i * retry_delay_s (verl's linear back-off)
};

class HttpRetriever : public Retriever {
 public:
  // Error(kInvalidArgument) for a URL that is not http(s)://.
  explicit HttpRetriever(HttpRetrieverOptions options);
  RetrievalResults retrieve(const std::vector<std::string>& queries, int topk) override;
  std::string describe() const override { return "http retriever " + o_.url; }

 private:
  HttpRetrieverOptions o_;
};

// Search-R1's request body: {"queries": [...], "topk": k, "return_scores": true}.
// Key order is kept (ordered_json), as Python's json keeps dict order.
nlohmann::ordered_json retrieveRequestJson(const std::vector<std::string>& queries, int topk, bool return_scores);
// Search-R1's reply: {"result": [[{"document": {"id", "contents"}, "score": s}, ...], ...]} with
// scores, {"result": [[{"id", "contents"}, ...], ...]} without.
nlohmann::ordered_json retrieveResponseJson(const RetrievalResults& results, bool return_scores);
// The body as FastAPI renders it (compact separators, UTF-8 unescaped): byte-identical to
// Search-R1's server for the same documents and scores.
std::string renderJson(const nlohmann::ordered_json& j);
// Reads a /retrieve reply (either shape; documents with "contents", or "title" + "text") for
// `queries` queries. Error(kDataLoss) naming what is wrong when it is not the API's.
RetrievalResults parseRetrieveResponse(const nlohmann::json& reply, std::size_t queries);

// A POST /retrieve body as spur's server reads it (Search-R1's RetrieveRequest model).
struct RetrieveRequest {
  std::vector<std::string> queries;
  int topk = 0;
  bool return_scores = false;
};
struct RetrieveRequestLimits {
  int max_queries = 4096;  // longer "queries" lists are refused while parsing, before they are built
  int max_topk = 100;
  int default_topk = 3;    // for an absent, null or 0 topk (Search-R1's `if not topk`)
};
// Why a body was refused: HTTP status 422 and FastAPI's validation-error JSON naming the field.
struct RetrieveRefusal {
  int status = 422;
  std::string body;
};
// Parses `body`; on success fills `out` and returns nullopt, else the refusal. Never throws
// for any bytes.
std::optional<RetrieveRefusal> parseRetrieveRequest(const std::string& body, const RetrieveRequestLimits& limits, RetrieveRequest* out);
// FastAPI's bodies: a validation error for one field, and an HTTPException's {"detail": msg}.
std::string unprocessableJson(const std::string& field, const std::string& type, const std::string& msg);
std::string detailJson(const std::string& msg);

// The retriever of an env's options: "bm25" (the in-process index over corpus_path) or an
// http(s) URL.
std::unique_ptr<Retriever> makeRetriever(const std::string& spec, const std::string& corpus_path, const std::string& index_path,
                                         const HttpRetrieverOptions& http);

}  // namespace spur::search
