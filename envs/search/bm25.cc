#include "envs/search/bm25.h"

#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <unordered_map>

#include "core/status.h"

namespace spur::search {
namespace {

using Lookup = std::unordered_map<std::string_view, uint32_t>;

constexpr char kMagic[8] = {'S', 'P', 'U', 'R', 'B', 'M', '2', '5'};
constexpr uint32_t kVersion = 1;

bool isTokenByte(unsigned char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80; }

template <class F>
void forEachToken(std::string_view text, std::string& scratch, F&& f) {
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !isTokenByte(static_cast<unsigned char>(text[i]))) ++i;
    const std::size_t a = i;
    while (i < text.size() && isTokenByte(static_cast<unsigned char>(text[i]))) ++i;
    if (i == a) break;
    scratch.assign(text.substr(a, i - a));
    for (char& c : scratch)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    f(std::string_view(scratch));
  }
}

template <class T>
void writeVector(std::ofstream& out, const std::vector<T>& v) {
  const uint64_t n = v.size();
  out.write(reinterpret_cast<const char*>(&n), sizeof n);
  out.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(n * sizeof(T)));
}

template <class T>
void readVector(std::ifstream& in, std::vector<T>& v, const std::string& path) {
  uint64_t n = 0;
  in.read(reinterpret_cast<char*>(&n), sizeof n);
  if (!in || n > (uint64_t{1} << 40) / sizeof(T)) throw Error(StatusCode::kDataLoss, path + ": truncated or corrupt BM25 index");
  v.resize(n);
  in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(n * sizeof(T)));
  if (!in) throw Error(StatusCode::kDataLoss, path + ": truncated BM25 index");
}

// Per-thread accumulator: one float per document, reset through the touched list only, so a
// query costs its postings, not the corpus size.
struct Scratch {
  std::vector<float> score;
  std::vector<uint32_t> touched;
};

}  // namespace

std::vector<std::string> bm25Tokens(std::string_view text) {
  std::vector<std::string> out;
  std::string scratch;
  forEachToken(text, scratch, [&](std::string_view t) { out.emplace_back(t); });
  return out;
}

Bm25Index Bm25Index::build(const std::vector<std::string_view>& texts, Bm25Params params) {
  Bm25Index index;
  index.params_ = params;
  std::unordered_map<std::string, uint32_t> ids;
  std::vector<std::string> names;
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> postings;  // per term: (doc, tf)
  std::vector<uint32_t> doc_terms;
  std::string scratch;
  index.doc_length_.reserve(texts.size());
  for (std::size_t d = 0; d < texts.size(); ++d) {
    doc_terms.clear();
    forEachToken(texts[d], scratch, [&](std::string_view t) {
      auto [it, inserted] = ids.try_emplace(std::string(t), static_cast<uint32_t>(names.size()));
      if (inserted) {
        names.emplace_back(t);
        postings.emplace_back();
      }
      doc_terms.push_back(it->second);
    });
    index.doc_length_.push_back(static_cast<uint32_t>(doc_terms.size()));
    std::sort(doc_terms.begin(), doc_terms.end());
    for (std::size_t i = 0; i < doc_terms.size();) {
      std::size_t j = i;
      while (j < doc_terms.size() && doc_terms[j] == doc_terms[i]) ++j;
      postings[doc_terms[i]].emplace_back(static_cast<uint32_t>(d), static_cast<uint32_t>(j - i));
      i = j;
    }
  }
  const double n = static_cast<double>(texts.size());
  double total = 0;
  for (uint32_t l : index.doc_length_) total += l;
  const double avgdl = texts.empty() ? 1.0 : std::max(total / n, 1e-9);
  // Terms in byte order, so that the file and the ids do not depend on hash-map order.
  std::vector<uint32_t> order(names.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return names[a] < names[b]; });
  index.term_offsets_.push_back(0);
  for (uint32_t t : order) {
    const auto& list = postings[t];
    const double df = static_cast<double>(list.size());
    const double idf = std::log(1.0 + (n - df + 0.5) / (df + 0.5));
    for (const auto& [doc, tf] : list) {
      const double norm = params.k1 * (1.0 - params.b + params.b * index.doc_length_[doc] / avgdl);
      index.posting_doc_.push_back(doc);
      index.posting_impact_.push_back(static_cast<float>(idf * tf / (tf + norm)));
    }
    index.term_offsets_.push_back(index.posting_doc_.size());
    index.term_text_.push_back(std::move(names[t]));
  }
  index.buildLookup();
  return index;
}

void Bm25Index::buildLookup() {
  auto lookup = std::make_shared<Lookup>();
  lookup->reserve(term_text_.size());
  for (uint32_t t = 0; t < term_text_.size(); ++t) lookup->emplace(term_text_[t], t);
  lookup_ = lookup;
  term_max_impact_.assign(term_text_.size(), 0.0f);
  for (std::size_t t = 0; t < term_text_.size(); ++t)
    for (uint64_t p = term_offsets_[t]; p < term_offsets_[t + 1]; ++p) term_max_impact_[t] = std::max(term_max_impact_[t], posting_impact_[p]);
}

int64_t Bm25Index::termId(std::string_view token) const {
  const auto& lookup = *static_cast<const Lookup*>(lookup_.get());
  const auto it = lookup.find(token);
  return it == lookup.end() ? int64_t{-1} : static_cast<int64_t>(it->second);  // not ?: of int and uint32_t, which is unsigned
}

std::vector<std::pair<uint32_t, float>> Bm25Index::queryTerms(std::string_view query) const {
  std::vector<uint32_t> ids;
  std::string scratch;
  forEachToken(query, scratch, [&](std::string_view t) {
    const int64_t id = termId(t);
    if (id >= 0) ids.push_back(static_cast<uint32_t>(id));
  });
  std::sort(ids.begin(), ids.end());
  std::vector<std::pair<uint32_t, float>> terms;
  for (uint32_t id : ids) {
    if (!terms.empty() && terms.back().first == id) terms.back().second += 1.0f;
    else terms.emplace_back(id, 1.0f);
  }
  return terms;
}

namespace {

bool better(const Bm25Hit& a, const Bm25Hit& b) { return a.score != b.score ? a.score > b.score : a.doc < b.doc; }

}  // namespace

std::vector<Bm25Hit> Bm25Index::searchExhaustive(std::string_view query, int k) const {
  std::vector<Bm25Hit> hits;
  if (k <= 0 || doc_length_.empty()) return hits;
  thread_local Scratch scratch;
  if (scratch.score.size() < doc_length_.size()) scratch.score.resize(doc_length_.size(), 0.0f);
  // Terms in id order: every document's sum is formed in that order (as search() forms it).
  for (const auto& [id, weight] : queryTerms(query)) {
    for (uint64_t p = term_offsets_[id]; p < term_offsets_[id + 1]; ++p) {
      const uint32_t d = posting_doc_[p];
      if (scratch.score[d] == 0.0f) scratch.touched.push_back(d);
      scratch.score[d] += weight * posting_impact_[p];
    }
  }
  hits.reserve(scratch.touched.size());
  for (uint32_t d : scratch.touched) {
    hits.push_back({d, scratch.score[d]});
    scratch.score[d] = 0.0f;
  }
  scratch.touched.clear();
  const std::size_t keep = std::min<std::size_t>(static_cast<std::size_t>(k), hits.size());
  std::partial_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(keep), hits.end(), better);
  hits.resize(keep);
  return hits;
}

std::vector<Bm25Hit> Bm25Index::search(std::string_view query, int k) const {
  std::vector<Bm25Hit> heap;  // the best so far; heap.front() the worst of them
  if (k <= 0 || doc_length_.empty()) return heap;
  const auto terms = queryTerms(query);
  const std::size_t n = terms.size();
  if (n == 0) return heap;
  struct Cursor {
    uint64_t at, end;
    float weight, bound;
  };
  std::vector<Cursor> cursor(n);
  for (std::size_t t = 0; t < n; ++t) {
    const uint32_t id = terms[t].first;
    cursor[t] = {term_offsets_[id], term_offsets_[id + 1], terms[t].second, terms[t].second * term_max_impact_[id]};
  }
  // order: terms by bound ascending; cum[i]: what terms order[0..i] can add together at most.
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return cursor[a].bound < cursor[b].bound; });
  std::vector<double> cum(n);
  for (std::size_t i = 0; i < n; ++i) cum[i] = (i ? cum[i - 1] : 0.0) + cursor[order[i]].bound;
  // Bounds are compared with a margin: the float sum of a document may exceed the double bound
  // by rounding, and a pruned document must truly be unable to enter.
  constexpr double kMargin = 1.0 + 1e-5;
  const auto worse = [](const Bm25Hit& a, const Bm25Hit& b) { return better(a, b); };  // max-heap of "worse" = min-heap
  const auto docAt = [&](const Cursor& c) { return c.at < c.end ? posting_doc_[c.at] : UINT32_MAX; };
  // Priming: the documents of the term with the largest bound (a name, usually: a short list)
  // are scored exactly first; the k-th best of them is a floor under the final k-th score, so
  // pruning starts at once instead of after the first strong document turns up in corpus order.
  double floor_score = 0;
  {
    const Cursor& strongest = cursor[order[n - 1]];
    constexpr uint64_t kPrimeLimit = 2048;
    if (n > 1 && strongest.end - strongest.at <= kPrimeLimit && strongest.end - strongest.at >= static_cast<uint64_t>(k)) {
      std::vector<double> scores;
      for (uint64_t p = strongest.at; p < strongest.end; ++p) {
        const uint32_t d = posting_doc_[p];
        double total = 0;
        for (const Cursor& c : cursor) {
          const auto it = std::lower_bound(posting_doc_.begin() + static_cast<std::ptrdiff_t>(c.at), posting_doc_.begin() + static_cast<std::ptrdiff_t>(c.end), d);
          if (it != posting_doc_.begin() + static_cast<std::ptrdiff_t>(c.end) && *it == d)
            total += c.weight * posting_impact_[static_cast<std::size_t>(it - posting_doc_.begin())];
        }
        scores.push_back(total);
      }
      std::nth_element(scores.begin(), scores.begin() + (k - 1), scores.end(), std::greater<>());
      floor_score = scores[static_cast<std::size_t>(k - 1)] / kMargin;
    }
  }
  std::size_t first_essential = 0;
  while (first_essential < n && cum[first_essential] * kMargin < floor_score) ++first_essential;
  std::vector<float> contribution(n, 0.0f);
  while (true) {
    uint32_t d = UINT32_MAX;
    for (std::size_t i = first_essential; i < n; ++i) d = std::min(d, docAt(cursor[order[i]]));
    if (d == UINT32_MAX) break;
    double partial = 0;
    for (std::size_t i = first_essential; i < n; ++i) {
      Cursor& c = cursor[order[i]];
      if (docAt(c) == d) {
        contribution[order[i]] = c.weight * posting_impact_[c.at];
        partial += contribution[order[i]];
        ++c.at;
      }
    }
    const bool full = heap.size() == static_cast<std::size_t>(k);
    const double theta = std::max(floor_score, full ? static_cast<double>(heap.front().score) : 0.0);
    bool pruned = false;
    for (std::size_t i = first_essential; i-- > 0;) {
      if ((partial + cum[i]) * kMargin < theta) {
        pruned = true;
        break;
      }
      Cursor& c = cursor[order[i]];
      // Galloping to the first posting >= d.
      uint64_t step = 1, lo = c.at;
      while (lo + step < c.end && posting_doc_[lo + step] < d) {
        lo += step;
        step *= 2;
      }
      c.at = static_cast<uint64_t>(std::lower_bound(posting_doc_.begin() + static_cast<std::ptrdiff_t>(lo),
                                                    posting_doc_.begin() + static_cast<std::ptrdiff_t>(std::min(lo + step + 1, c.end)), d) -
                                   posting_doc_.begin());
      if (docAt(c) == d) {
        contribution[order[i]] = c.weight * posting_impact_[c.at];
        partial += contribution[order[i]];
      }
    }
    if (!pruned) {
      float score = 0.0f;
      for (std::size_t t = 0; t < n; ++t) score += contribution[t];  // in term-id order, as searchExhaustive
      const Bm25Hit hit{d, score};
      if (!full) {
        heap.push_back(hit);
        std::push_heap(heap.begin(), heap.end(), worse);
      } else if (better(hit, heap.front())) {
        std::pop_heap(heap.begin(), heap.end(), worse);
        heap.back() = hit;
        std::push_heap(heap.begin(), heap.end(), worse);
      }
      if (heap.size() == static_cast<std::size_t>(k)) {
        const double t = std::max(floor_score, static_cast<double>(heap.front().score));
        while (first_essential < n && cum[first_essential] * kMargin < t) ++first_essential;
      }
    }
    std::fill(contribution.begin(), contribution.end(), 0.0f);
  }
  std::sort(heap.begin(), heap.end(), better);
  return heap;
}

void Bm25Index::save(const std::string& path, uint64_t fingerprint) const {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(StatusCode::kNotFound, tmp + ": cannot create");
    out.write(kMagic, sizeof kMagic);
    out.write(reinterpret_cast<const char*>(&kVersion), sizeof kVersion);
    out.write(reinterpret_cast<const char*>(&fingerprint), sizeof fingerprint);
    out.write(reinterpret_cast<const char*>(&params_.k1), sizeof params_.k1);
    out.write(reinterpret_cast<const char*>(&params_.b), sizeof params_.b);
    writeVector(out, doc_length_);
    std::vector<uint32_t> lengths;
    std::string text;
    for (const auto& t : term_text_) {
      lengths.push_back(static_cast<uint32_t>(t.size()));
      text += t;
    }
    writeVector(out, lengths);
    writeVector(out, std::vector<char>(text.begin(), text.end()));
    writeVector(out, term_offsets_);
    writeVector(out, posting_doc_);
    writeVector(out, posting_impact_);
    out.flush();
    if (!out) throw Error(StatusCode::kDataLoss, tmp + ": write failed");
  }
  std::filesystem::rename(tmp, path);
}

Bm25Index Bm25Index::load(const std::string& path, uint64_t fingerprint) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(StatusCode::kNotFound, path + ": cannot open");
  char magic[sizeof kMagic] = {};
  uint32_t version = 0;
  uint64_t stored = 0;
  Bm25Index index;
  in.read(magic, sizeof magic);
  in.read(reinterpret_cast<char*>(&version), sizeof version);
  if (!in || !std::equal(std::begin(magic), std::end(magic), std::begin(kMagic)) || version != kVersion)
    throw Error(StatusCode::kDataLoss, path + ": not a spur BM25 index (version " + std::to_string(kVersion) + ")");
  in.read(reinterpret_cast<char*>(&stored), sizeof stored);
  in.read(reinterpret_cast<char*>(&index.params_.k1), sizeof index.params_.k1);
  in.read(reinterpret_cast<char*>(&index.params_.b), sizeof index.params_.b);
  if (!in) throw Error(StatusCode::kDataLoss, path + ": truncated BM25 index");
  if (stored != fingerprint) throw Error(StatusCode::kFailedPrecondition, path + ": built from a different corpus");
  readVector(in, index.doc_length_, path);
  std::vector<uint32_t> lengths;
  std::vector<char> text;
  readVector(in, lengths, path);
  readVector(in, text, path);
  readVector(in, index.term_offsets_, path);
  readVector(in, index.posting_doc_, path);
  readVector(in, index.posting_impact_, path);
  // Everything the searcher indexes with is checked, so a corrupt file cannot read out of bounds.
  uint64_t at = 0;
  for (uint32_t l : lengths) {
    if (at + l > text.size()) throw Error(StatusCode::kDataLoss, path + ": corrupt BM25 index (terms)");
    index.term_text_.emplace_back(text.data() + at, l);
    at += l;
  }
  bool ok = index.term_offsets_.size() == lengths.size() + 1 && index.term_offsets_.front() == 0 &&
            index.term_offsets_.back() == index.posting_doc_.size() && index.posting_doc_.size() == index.posting_impact_.size();
  for (std::size_t t = 0; ok && t + 1 < index.term_offsets_.size(); ++t) ok = index.term_offsets_[t] <= index.term_offsets_[t + 1];
  for (uint32_t d : index.posting_doc_) ok = ok && d < index.doc_length_.size();
  if (!ok) throw Error(StatusCode::kDataLoss, path + ": corrupt BM25 index (postings)");
  index.buildLookup();
  return index;
}

uint64_t fileFingerprint(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(StatusCode::kNotFound, path + ": cannot open");
  XXH3_state_t* state = XXH3_createState();
  XXH3_64bits_reset(state);
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    XXH3_64bits_update(state, buffer.data(), static_cast<std::size_t>(in.gcount()));
  }
  const uint64_t h = XXH3_64bits_digest(state);
  XXH3_freeState(state);
  return h;
}

}  // namespace spur::search
