#include "envs/search/bm25.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utf8proc.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <unordered_map>

#include "core/status.h"

namespace spur::search {
namespace {

using Lookup = std::unordered_map<std::string_view, uint32_t>;

constexpr char kMagic[8] = {'S', 'P', 'U', 'R', 'B', 'M', '2', '5'};
// 2: Unicode tokens (utf8proc) and the whole-file checksum trailer. A file of another version is
// refused (and so rebuilt by loadIndexedCorpus), never read with the wrong tokenizer.
constexpr uint32_t kVersion = 2;

bool isAsciiWordByte(unsigned char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Letters, marks and numbers are word characters; punctuation (dashes, quotes), symbols,
// spaces, controls and unassigned code points separate words.
bool isWordCodepoint(utf8proc_int32_t cp) {
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT: case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
      return true;
    default:
      return false;
  }
}

// The character at text[i]: its length in bytes (1 for a byte that is not valid UTF-8, which
// then separates words) and whether it belongs to a word; `lowered` gets its lowercase UTF-8.
std::size_t nextChar(std::string_view text, std::size_t i, bool& word, std::string* lowered) {
  const auto c = static_cast<unsigned char>(text[i]);
  if (c < 0x80) {  // ASCII without a table lookup: most of any English corpus
    word = isAsciiWordByte(c);
    if (word && lowered) lowered->push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : static_cast<char>(c));
    return 1;
  }
  utf8proc_int32_t cp = 0;
  const utf8proc_ssize_t n =
      utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(text.data() + i), static_cast<utf8proc_ssize_t>(text.size() - i), &cp);
  if (n <= 0 || cp < 0) {
    word = false;
    return 1;
  }
  word = isWordCodepoint(cp);
  if (word && lowered) {
    utf8proc_uint8_t buffer[4];
    const utf8proc_ssize_t m = utf8proc_encode_char(utf8proc_tolower(cp), buffer);
    lowered->append(reinterpret_cast<const char*>(buffer), static_cast<std::size_t>(m));
  }
  return static_cast<std::size_t>(n);
}

template <class F>
void forEachToken(std::string_view text, std::string& scratch, F&& f) {
  std::size_t i = 0;
  bool word = false;
  while (i < text.size()) {
    scratch.clear();
    while (i < text.size()) {
      const std::size_t n = nextChar(text, i, word, &scratch);
      i += n;
      if (!word && !scratch.empty()) break;
    }
    if (!scratch.empty()) f(std::string_view(scratch));
  }
}

// The index file: every byte written goes through xxh3, whose digest ends the file.
class HashedWriter {
 public:
  explicit HashedWriter(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ < 0) throw Error(StatusCode::kUnavailable, path + ": cannot create (" + std::strerror(errno) + ")");
    XXH3_64bits_reset(state_.get());
  }
  ~HashedWriter() {
    if (fd_ >= 0) ::close(fd_);
  }
  HashedWriter(const HashedWriter&) = delete;
  HashedWriter& operator=(const HashedWriter&) = delete;

  void write(const void* data, std::size_t n) {
    XXH3_64bits_update(state_.get(), data, n);
    raw(data, n);
  }
  template <class T>
  void vector(const std::vector<T>& v) {
    const uint64_t n = v.size();
    write(&n, sizeof n);
    write(v.data(), n * sizeof(T));
  }
  // The digest, then the data is on disk (fsync) before the caller renames the file into place:
  // after a crash the name holds the old file or the whole new one.
  void finish() {
    const uint64_t digest = XXH3_64bits_digest(state_.get());
    raw(&digest, sizeof digest);
    flush();
    if (::fsync(fd_) != 0) throw Error(StatusCode::kDataLoss, path_ + ": fsync failed (" + std::strerror(errno) + ")");
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) throw Error(StatusCode::kDataLoss, path_ + ": close failed (" + std::strerror(errno) + ")");
  }

 private:
  void raw(const void* data, std::size_t n) {
    const char* p = static_cast<const char*>(data);
    while (n > 0) {
      if (buffer_.size() == kBuffer) flush();
      const std::size_t take = std::min(n, kBuffer - buffer_.size());
      buffer_.append(p, take);
      p += take;
      n -= take;
    }
  }
  void flush() {
    std::size_t at = 0;
    while (at < buffer_.size()) {
      const ssize_t w = ::write(fd_, buffer_.data() + at, buffer_.size() - at);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) throw Error(StatusCode::kDataLoss, path_ + ": write failed (" + std::strerror(errno) + ")");
      at += static_cast<std::size_t>(w);
    }
    buffer_.clear();
  }

  static constexpr std::size_t kBuffer = 1 << 20;
  std::string path_;
  int fd_ = -1;
  std::string buffer_;
  std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> state_{XXH3_createState(), &XXH3_freeState};
};

// Reads an index file, hashing every byte, never past the digest: a size field that claims more
// than the file holds is refused before anything is allocated for it.
class HashedReader {
 public:
  explicit HashedReader(const std::string& path) : path_(path), in_(path, std::ios::binary) {
    if (!in_) throw Error(StatusCode::kNotFound, path + ": cannot open");
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) throw Error(StatusCode::kNotFound, path + ": cannot read its size");
    left_ = size;
    XXH3_64bits_reset(state_.get());
  }
  bool read(void* data, std::size_t n) {
    if (n > left_) return false;
    in_.read(static_cast<char*>(data), static_cast<std::streamsize>(n));
    if (!in_) return false;
    XXH3_64bits_update(state_.get(), data, n);
    left_ -= n;
    return true;
  }
  template <class T>
  void vector(std::vector<T>& v) {
    uint64_t n = 0;
    if (!read(&n, sizeof n) || n > (left_ - std::min<uint64_t>(left_, sizeof(uint64_t))) / sizeof(T))
      throw Error(StatusCode::kDataLoss, path_ + ": truncated or corrupt BM25 index");
    v.resize(n);
    if (!read(v.data(), n * sizeof(T))) throw Error(StatusCode::kDataLoss, path_ + ": truncated BM25 index");
  }
  // The rest of the file must be exactly the digest of everything read.
  void verify() {
    const uint64_t digest = XXH3_64bits_digest(state_.get());
    uint64_t stored = 0;
    if (left_ != sizeof stored) throw Error(StatusCode::kDataLoss, path_ + ": corrupt BM25 index (" + std::to_string(left_) + " bytes where the checksum should be)");
    in_.read(reinterpret_cast<char*>(&stored), sizeof stored);
    if (!in_ || stored != digest) throw Error(StatusCode::kDataLoss, path_ + ": corrupt BM25 index (checksum mismatch)");
  }

 private:
  std::string path_;
  std::ifstream in_;
  uint64_t left_ = 0;
  std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> state_{XXH3_createState(), &XXH3_freeState};
};

// A name beside `path` that no other process or thread picks: pid and 64 random bits.
std::string uniqueTemporary(const std::string& path) {
  static thread_local std::mt19937_64 rng(std::random_device{}() ^ (static_cast<uint64_t>(::getpid()) << 32));
  char suffix[64];
  std::snprintf(suffix, sizeof suffix, ".tmp.%d.%016llx", static_cast<int>(::getpid()), static_cast<unsigned long long>(rng()));
  return path + suffix;
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
  // A temporary of this process alone, renamed over `path`: concurrent savers never write one
  // file, and a reader opens either the previous index or a complete new one.
  const std::string tmp = uniqueTemporary(path);
  try {
    HashedWriter out(tmp);
    out.write(kMagic, sizeof kMagic);
    out.write(&kVersion, sizeof kVersion);
    out.write(&fingerprint, sizeof fingerprint);
    out.write(&params_.k1, sizeof params_.k1);
    out.write(&params_.b, sizeof params_.b);
    out.vector(doc_length_);
    std::vector<uint32_t> lengths;
    std::string text;
    for (const auto& t : term_text_) {
      lengths.push_back(static_cast<uint32_t>(t.size()));
      text += t;
    }
    out.vector(lengths);
    out.vector(std::vector<char>(text.begin(), text.end()));
    out.vector(term_offsets_);
    out.vector(posting_doc_);
    out.vector(posting_impact_);
    out.finish();
    std::filesystem::rename(tmp, path);
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw;
  }
}

Bm25Index Bm25Index::load(const std::string& path, uint64_t fingerprint) {
  HashedReader in(path);
  char magic[sizeof kMagic] = {};
  uint32_t version = 0;
  uint64_t stored = 0;
  Bm25Index index;
  if (!in.read(magic, sizeof magic) || !std::equal(std::begin(magic), std::end(magic), std::begin(kMagic)))
    throw Error(StatusCode::kDataLoss, path + ": not a spur BM25 index");
  if (!in.read(&version, sizeof version)) throw Error(StatusCode::kDataLoss, path + ": truncated BM25 index");
  if (version != kVersion)
    throw Error(StatusCode::kDataLoss, path + ": BM25 index format version " + std::to_string(version) + ", this spur reads version " +
                                           std::to_string(kVersion) + " (another tokenizer or layout)");
  if (!in.read(&stored, sizeof stored) || !in.read(&index.params_.k1, sizeof index.params_.k1) || !in.read(&index.params_.b, sizeof index.params_.b))
    throw Error(StatusCode::kDataLoss, path + ": truncated BM25 index");
  if (stored != fingerprint) throw Error(StatusCode::kFailedPrecondition, path + ": built from a different corpus");
  in.vector(index.doc_length_);
  std::vector<uint32_t> lengths;
  std::vector<char> text;
  in.vector(lengths);
  in.vector(text);
  in.vector(index.term_offsets_);
  in.vector(index.posting_doc_);
  in.vector(index.posting_impact_);
  in.verify();
  // The checksum proves the bytes are what save() wrote; the structure is still checked, so that
  // no file, however made, lets the searcher index out of bounds.
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
