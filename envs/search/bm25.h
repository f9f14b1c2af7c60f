// Bm25Index: Okapi BM25 over a corpus, in memory, built once and saved to a file.
//
// Tokens: maximal runs of Unicode letters, marks and numbers (general categories L*, M*, N*, by
// utf8proc), lowercased by Unicode's simple case mapping; every other character (punctuation
// such as the en dash of "Smith–Jones", symbols, spaces, controls) and every byte that is not
// valid UTF-8 separates tokens. No stemming, no stop words (docs/architecture.md lists how this
// differs from pyserini's Lucene analyzer). Scoring is Lucene's (>= 8) BM25, which
// pyserini (Search-R1's BM25 server) uses, with pyserini's defaults k1 = 0.9, b = 0.4:
//   score(q, d) = sum over query tokens t (repeats count) of
//                 idf(t) * tf / (tf + k1 * (1 - b + b * |d| / avgdl)),
//   idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5)).
// Ranking is deterministic: score descending, then corpus order; a document's score is summed
// in one fixed order (by term), so the pruned and the exhaustive search agree bit for bit. A
// document that contains no query token is never returned, so a search can return fewer than
// k documents (none for a query with no known token).
//
// search() is MaxScore (Turtle & Flood 1995): query terms sorted by their largest possible
// contribution; once the k-th best score exceeds what the weakest terms together can add, a
// document must contain one of the others to be considered, and the weak terms' long posting
// lists are only probed (galloping) for those candidates. Common words then cost little.
//
// Thread-safety: a built or loaded index is immutable; search() may run on any number of
// threads at once (each call uses its own scratch space).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace spur::search {

// The tokens of `text` as BM25 indexes them.
std::vector<std::string> bm25Tokens(std::string_view text);

struct Bm25Params {
  float k1 = 0.9f;
  float b = 0.4f;
};

struct Bm25Hit {
  uint32_t doc = 0;  // corpus index
  float score = 0;
};

class Bm25Index {
 public:
  // Indexes texts[i] as document i.
  static Bm25Index build(const std::vector<std::string_view>& texts, Bm25Params params = {});
  // Reads a file written by save(). Error(kNotFound) for a missing file; Error(kDataLoss) for a
  // truncated, foreign or damaged one (the whole file is checked against the xxh3 checksum that
  // ends it, then its structure) or one of another format version (another tokenizer);
  // Error(kFailedPrecondition) when its fingerprint is not `fingerprint` (the corpus changed
  // since the index was built). Never returns an index that differs from the one saved.
  static Bm25Index load(const std::string& path, uint64_t fingerprint);
  // Writes the index with the corpus fingerprint and a checksum through a temporary file of its
  // own (PATH.tmp.<pid>.<random>, fsynced), then renames it over `path`: concurrent savers in
  // any processes never share a file, and readers see the old file or the whole new one.
  // Error(kUnavailable / kDataLoss) when the file cannot be written (the temporary is removed).
  void save(const std::string& path, uint64_t fingerprint) const;

  // The best k documents for the query (fewer when fewer contain a query token).
  std::vector<Bm25Hit> search(std::string_view query, int k) const;
  // The same result by scoring every posting of every query term: the reference search() is
  // tested against.
  std::vector<Bm25Hit> searchExhaustive(std::string_view query, int k) const;

  std::size_t documents() const { return doc_length_.size(); }
  std::size_t terms() const { return term_offsets_.empty() ? 0 : term_offsets_.size() - 1; }
  const Bm25Params& params() const { return params_; }

 private:
  Bm25Params params_;
  std::vector<uint32_t> doc_length_;
  // Terms sorted; term_offsets_[t]..term_offsets_[t+1] is term t's posting range.
  std::vector<std::string> term_text_;
  std::vector<uint64_t> term_offsets_;
  std::vector<uint32_t> posting_doc_;     // ascending per term
  std::vector<float> posting_impact_;     // idf * tf-part, precomputed
  std::vector<float> term_max_impact_;    // per term: its largest impact (computed on build/load)
  std::shared_ptr<const void> lookup_;    // term text -> id (an unordered_map, built on load)

  void buildLookup();  // and term_max_impact_
  int64_t termId(std::string_view token) const;
  // The query's known terms, sorted by id, each with its count.
  std::vector<std::pair<uint32_t, float>> queryTerms(std::string_view query) const;
};

// A 64-bit fingerprint of a file's bytes (xxh3), for Bm25Index::load.
uint64_t fileFingerprint(const std::string& path);

}  // namespace spur::search
