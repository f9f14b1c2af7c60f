// BM25 (scores by hand, deterministic ties, save/load), the corpus/question loaders and the
// /retrieve JSON of Search-R1's API.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/status.h"
#include "envs/search/bm25.h"
#include "envs/search/corpus.h"
#include "envs/search/retriever.h"
#include "envs/search/world_generator.h"

using namespace spur;
using namespace spur::search;
namespace fs = std::filesystem;

namespace {

fs::path tempDir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("spur_search_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void writeText(const fs::path& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

std::string readBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Three documents, for the file tests.
Bm25Index smallIndex() {
  const std::vector<std::string> texts = {"alpha beta", "beta gamma gamma", "delta"};
  return Bm25Index::build(std::vector<std::string_view>(texts.begin(), texts.end()));
}

// Both indexes give the same hits, bit for bit, for every query.
bool sameHits(const Bm25Index& a, const Bm25Index& b, const std::vector<std::string>& queries) {
  for (const auto& q : queries) {
    const auto x = a.search(q, 5), y = b.search(q, 5);
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i)
      if (x[i].doc != y[i].doc || x[i].score != y[i].score) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("search bm25: tokens are lowercased alphanumeric runs") {
  CHECK(bm25Tokens("Evan L. Morris (1977-2015), lobbyist") == std::vector<std::string>{"evan", "l", "morris", "1977", "2015", "lobbyist"});
  CHECK(bm25Tokens("  ,. ").empty());
  CHECK(bm25Tokens("Zürich") == std::vector<std::string>{"z\xc3\xbcrich"});  // UTF-8 stays whole
}

TEST_CASE("search bm25: Unicode punctuation and spaces separate tokens; letters are lowercased by Unicode") {
  using V = std::vector<std::string>;
  // En dash, em dash, non-breaking space, curly quotes, ideographic space: all separators.
  CHECK(bm25Tokens("Smith\u2013Jones") == V{"smith", "jones"});
  CHECK(bm25Tokens("1843\u20131901") == V{"1843", "1901"});
  CHECK(bm25Tokens("war\u2014peace") == V{"war", "peace"});
  CHECK(bm25Tokens("New\u00a0York") == V{"new", "york"});
  CHECK(bm25Tokens("\u201cQuoted\u201d \u00abguillemets\u00bb") == V{"quoted", "guillemets"});
  CHECK(bm25Tokens("Tokyo\u3000Osaka\u3001Kyoto") == V{"tokyo", "osaka", "kyoto"});
  CHECK(bm25Tokens("price\u20ac5 \u00a9 2020") == V{"price", "5", "2020"});  // symbols separate too
  // Letters, combining marks and numbers of any script stay whole, lowercased.
  CHECK(bm25Tokens("\u00c9MILE Zola") == V{"\u00e9mile", "zola"});
  CHECK(bm25Tokens("\u0394\u0395\u039b\u03a6\u039f\u0399") == V{"\u03b4\u03b5\u03bb\u03c6\u03bf\u03b9"});
  CHECK(bm25Tokens("Cafe\u0301 na\u00efve") == V{"cafe\u0301", "na\u00efve"});
  CHECK(bm25Tokens("\u6771\u4eac\u90fd") == V{"\u6771\u4eac\u90fd"});
  CHECK(bm25Tokens("\u0661\u0662\u0663 \u00bd") == V{"\u0661\u0662\u0663", "\u00bd"});
  // A byte that is not UTF-8 separates; it never joins or breaks what is around it.
  CHECK(bm25Tokens("abc\xff" "def \xc3") == V{"abc", "def"});
  // The index and the query agree: a dash-joined name is found by either half.
  const std::vector<std::string> texts = {"The Smith\u2013Jones act of 1843\u20131901", "Smith alone", "Jones alone"};
  std::vector<std::string_view> views(texts.begin(), texts.end());
  const Bm25Index index = Bm25Index::build(views);
  CHECK(index.search("Jones 1901", 3).at(0).doc == 0);
  CHECK(index.search("\u00c9mile", 3).empty());
}

TEST_CASE("search bm25: scores are Lucene's BM25 computed by hand, ties go to corpus order") {
  const std::vector<std::string> texts = {"apple banana", "apple apple cherry", "banana", "durian", "banana"};
  std::vector<std::string_view> views(texts.begin(), texts.end());
  const Bm25Params p{0.9f, 0.4f};
  const Bm25Index index = Bm25Index::build(views, p);
  CHECK(index.documents() == 5);
  CHECK(index.terms() == 4);
  const double n = 5, avgdl = (2 + 3 + 1 + 1 + 1) / 5.0;
  auto idf = [&](double df) { return std::log(1 + (n - df + 0.5) / (df + 0.5)); };
  auto part = [&](double tf, double dl) { return tf / (tf + p.k1 * (1 - p.b + p.b * dl / avgdl)); };
  auto hits = index.search("apple", 10);
  REQUIRE(hits.size() == 2);
  CHECK(hits[0].doc == 1);  // tf 2 beats tf 1 despite the longer document
  CHECK(hits[0].score == doctest::Approx(idf(2) * part(2, 3)).epsilon(1e-6));
  CHECK(hits[1].doc == 0);
  CHECK(hits[1].score == doctest::Approx(idf(2) * part(1, 2)).epsilon(1e-6));
  // Repeated query words count again; unknown words count nothing (wherever they stand: a
  // word unknown to the index once read as term 2^32-1 and crashed).
  CHECK(index.search("apple apple zebra", 1)[0].score == doctest::Approx(2 * idf(2) * part(2, 3)).epsilon(1e-6));
  CHECK(index.search("zebra apple", 1)[0].doc == 1);
  // Docs 2 and 4 are identical: equal scores, corpus order.
  hits = index.search("BANANA", 3);
  REQUIRE(hits.size() == 3);
  CHECK(hits[0].doc == 2);
  CHECK(hits[1].doc == 4);
  CHECK(hits[2].doc == 0);
  CHECK(hits[0].score == hits[1].score);
  CHECK(index.search("zebra", 3).empty());
  CHECK(index.search("", 3).empty());
  CHECK(index.search("apple", 0).empty());
}

TEST_CASE("search bm25: the pruned search (MaxScore) equals scoring every posting, bit for bit, on a generated world") {
  WorldOptions w;
  w.entities = 400;
  w.seed = 5;
  const GeneratedWorld world = generateSearchWorld(w);
  std::vector<std::string_view> texts;
  for (const auto& d : world.corpus) texts.push_back(d.contents);
  const Bm25Index index = Bm25Index::build(texts);
  std::vector<std::string> queries;
  for (const auto& q : world.train) queries.push_back(q.question);
  // Common words only, repeated words, names alone, and words from two passages mixed.
  queries.push_back("the of in was a");
  queries.push_back("born born born in the year");
  for (std::size_t i = 0; i + 1 < world.corpus.size() && queries.size() < 700; i += 37)
    queries.push_back(std::string(world.corpus[i].titleLine()) + " " + std::string(world.corpus[i + 1].text().substr(0, 40)));
  int64_t compared = 0;
  for (const auto& q : queries) {
    for (int k : {1, 3, 10}) {
      const auto pruned = index.search(q, k), all = index.searchExhaustive(q, k);
      REQUIRE(pruned.size() == all.size());
      for (std::size_t i = 0; i < all.size(); ++i) {
        CHECK(pruned[i].doc == all[i].doc);
        CHECK(pruned[i].score == all[i].score);
      }
      ++compared;
    }
  }
  CHECK(compared >= 900);
}

TEST_CASE("search bm25: a saved index loads back identical; a changed corpus or a corrupt file is refused") {
  const fs::path dir = tempDir("bm25");
  const Bm25Index index = smallIndex();
  const std::string path = (dir / "index.bm25").string();
  index.save(path, 42);
  const Bm25Index loaded = Bm25Index::load(path, 42);
  CHECK(loaded.documents() == 3);
  CHECK(loaded.terms() == index.terms());
  for (const char* q : {"beta", "gamma delta", "alpha gamma"}) {
    const auto a = index.search(q, 3), b = loaded.search(q, 3);
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      CHECK(a[i].doc == b[i].doc);
      CHECK(a[i].score == b[i].score);
    }
  }
  CHECK_THROWS_WITH_AS(Bm25Index::load(path, 43), doctest::Contains("different corpus"), Error);
  CHECK_THROWS_AS(Bm25Index::load((dir / "missing").string(), 42), Error);
  // Truncated and foreign files.
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  writeText(dir / "cut.bm25", bytes.substr(0, bytes.size() / 2));
  CHECK_THROWS_WITH_AS(Bm25Index::load((dir / "cut.bm25").string(), 42), doctest::Contains("truncated"), Error);
  writeText(dir / "foreign.bm25", "not an index at all, just text");
  CHECK_THROWS_WITH_AS(Bm25Index::load((dir / "foreign.bm25").string(), 42), doctest::Contains("not a spur BM25 index"), Error);
  fs::remove_all(dir);
}

TEST_CASE("search bm25: an index of an older format version (another tokenizer) is rebuilt, not misread") {
  const fs::path dir = tempDir("bm25_version");
  // Version 1 tokenized "Smith\u2013Jones" as one token; such a file must not be searched.
  writeText(dir / "corpus.jsonl", "{\"id\": \"0\", \"contents\": \"\\\"Act\\\"\\nThe Smith\u2013Jones act\"}\n"
                                  "{\"id\": \"1\", \"contents\": \"\\\"Other\\\"\\nSomething else\"}\n");
  const std::string corpus = (dir / "corpus.jsonl").string(), path = corpus + ".bm25";
  {
    const std::vector<std::string> texts = {"\"Act\"\nThe Smith\u2013Jones act", "\"Other\"\nSomething else"};
    std::vector<std::string_view> views(texts.begin(), texts.end());
    Bm25Index::build(views).save(path, fileFingerprint(corpus));
  }
  std::string bytes = readBytes(path);
  const uint32_t v1 = 1;
  std::memcpy(bytes.data() + 8, &v1, sizeof v1);  // the version field after the 8-byte magic
  writeText(path, bytes);
  CHECK_THROWS_WITH_AS(Bm25Index::load(path, fileFingerprint(corpus)), doctest::Contains("version 1"), Error);
  const auto indexed = loadIndexedCorpus(corpus, path);
  CHECK(indexed->built);
  CHECK(indexed->index.search("Jones", 1).size() == 1);
  CHECK_NOTHROW(Bm25Index::load(path, fileFingerprint(corpus)));  // the rebuilt file replaced it
  fs::remove_all(dir);
}

TEST_CASE("search bm25: waiting for another process's build lock has a deadline") {
  const fs::path dir = tempDir("bm25_lock");
  writeText(dir / "corpus.jsonl", "{\"id\": \"0\", \"contents\": \"\\\"A\\\"\\nalpha\"}\n");
  const std::string corpus = (dir / "corpus.jsonl").string();
  const pid_t holder = ::fork();  // holds the lock as a slow builder would
  REQUIRE(holder >= 0);
  if (holder == 0) {
    const int fd = ::open((corpus + ".bm25.lock").c_str(), O_RDWR | O_CREAT, 0644);
    ::flock(fd, LOCK_EX);
    ::sleep(5);
    ::_exit(0);
  }
  // Until the child holds it (it creates the file first, then locks).
  for (int i = 0; i < 200; ++i) {
    const int fd = ::open((corpus + ".bm25.lock").c_str(), O_RDWR);
    const bool held = fd >= 0 && ::flock(fd, LOCK_EX | LOCK_NB) != 0;
    if (fd >= 0) ::close(fd);
    if (held) break;
    ::usleep(10000);
  }
  const auto start = std::chrono::steady_clock::now();
  CHECK_THROWS_WITH_AS(loadIndexedCorpus(corpus, "", {}, 0.3), doctest::Contains(".bm25.lock"), Error);
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(waited >= 0.3);
  CHECK(waited < 3.0);
  ::kill(holder, SIGKILL);
  int status = 0;
  ::waitpid(holder, &status, 0);
  // The kernel dropped the dead holder's lock: the next caller builds at once.
  CHECK(loadIndexedCorpus(corpus, "", {}, 0.3)->built);
  fs::remove_all(dir);
}

TEST_CASE("search bm25: a file whose structure is intact but whose contents changed is refused by its checksum") {
  const fs::path dir = tempDir("bm25_checksum");
  const std::string path = (dir / "index.bm25").string();
  smallIndex().save(path, 42);
  // An impact near the end zeroed: every size and offset still checks out, the scores do not.
  std::string bytes = readBytes(path);
  REQUIRE(bytes.size() > 16);
  for (std::size_t i = bytes.size() - 12; i < bytes.size() - 8; ++i) bytes[i] = 0;
  writeText(dir / "zeroed.bm25", bytes);
  CHECK_THROWS_WITH_AS(Bm25Index::load((dir / "zeroed.bm25").string(), 42), doctest::Contains("checksum"), Error);
  // One bit flipped anywhere.
  bytes = readBytes(path);
  bytes[bytes.size() / 2] ^= 0x10;
  writeText(dir / "flipped.bm25", bytes);
  CHECK_THROWS_AS(Bm25Index::load((dir / "flipped.bm25").string(), 42), Error);
  fs::remove_all(dir);
}

TEST_CASE("search bm25: a writer still busy with an old temporary file cannot corrupt a saved index") {
  // Before: save() wrote PATH.tmp (O_TRUNC) and renamed it, so a second process writing
  // PATH.tmp at the same time wrote into the file that had become PATH.
  const fs::path dir = tempDir("bm25_tmp");
  const Bm25Index index = smallIndex();
  const std::string path = (dir / "index.bm25").string();
  std::ofstream other(path + ".tmp", std::ios::binary | std::ios::trunc);  // the other writer, mid-save
  REQUIRE(other);
  index.save(path, 7);
  other << std::string(4096, 'x');
  other.flush();
  const Bm25Index loaded = Bm25Index::load(path, 7);
  CHECK(sameHits(index, loaded, {"beta", "gamma delta", "alpha gamma"}));
  fs::remove_all(dir);
}

TEST_CASE("search bm25: processes building one index at once all end with identical, verified indexes") {
  const fs::path dir = tempDir("bm25_race");
  WorldOptions w;
  w.entities = 1500;
  w.seed = 3;
  const GeneratedWorld world = generateSearchWorld(w);
  writeSearchWorld(world, w, dir.string());
  const std::string corpus = (dir / "corpus.jsonl").string(), index = corpus + ".bm25";
  std::vector<std::string> queries;
  for (std::size_t i = 0; i < world.train.size() && i < 50; ++i) queries.push_back(world.train[i].question);
  constexpr int kProcesses = 8;
  // The children start together (all blocked on one pipe) so that their builds overlap.
  int gate[2];
  REQUIRE(::pipe(gate) == 0);
  std::vector<pid_t> children;
  for (int c = 0; c < kProcesses; ++c) {
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(gate[1]);
      char byte;
      int code = 1;
      if (::read(gate[0], &byte, 1) == 0) {
        try {
          // Each child: its index (built, or loaded from another child's file), then the file as
          // it stands when this child is done; both must agree. Its own copy is saved privately
          // for the parent to compare byte for byte.
          const auto mine = loadIndexedCorpus(corpus, index);
          const Bm25Index on_disk = Bm25Index::load(index, fileFingerprint(corpus));
          mine->index.save((dir / ("child" + std::to_string(c) + ".bm25")).string(), fileFingerprint(corpus));
          code = sameHits(mine->index, on_disk, queries) && on_disk.documents() == mine->docs.size() ? (mine->built ? 10 : 0) : 2;
        } catch (const std::exception& e) {
          std::fprintf(stderr, "child %d: %s\n", c, e.what());
          code = 3;
        }
      }
      ::_exit(code);
    }
    children.push_back(pid);
  }
  ::close(gate[0]);
  ::close(gate[1]);  // EOF: every child starts now
  int builders = 0;
  for (int c = 0; c < kProcesses; ++c) {
    int status = 0;
    REQUIRE(::waitpid(children[static_cast<std::size_t>(c)], &status, 0) == children[static_cast<std::size_t>(c)]);
    CHECK_MESSAGE(WIFEXITED(status), "child " << c);
    builders += WEXITSTATUS(status) == 10 ? 1 : 0;
    CHECK_MESSAGE((WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 10), "child " << c << " exit " << WEXITSTATUS(status));
  }
  CHECK(builders == 1);  // one build under the lock; the others loaded its file
  const std::string shared = readBytes(index);
  for (int c = 0; c < kProcesses; ++c) CHECK_MESSAGE(readBytes(dir / ("child" + std::to_string(c) + ".bm25")) == shared, "child " << c);
  // No temporary files left behind.
  for (const auto& entry : fs::directory_iterator(dir))
    CHECK_MESSAGE(entry.path().filename().string().find(".tmp") == std::string::npos, entry.path());
  fs::remove_all(dir);
}

TEST_CASE("search corpus: Search-R1 corpus and FlashRAG question files load as is; bad lines are named") {
  const fs::path dir = tempDir("corpus");
  writeText(dir / "corpus.jsonl",
            "{\"id\": \"0\", \"contents\": \"\\\"Evan Morris\\\"\\nEvan Morris Evan L. Morris (January 26, 1977 \\u2013 July 9, 2015) was a lobbyist\"}\n"
            "{\"id\": 7, \"contents\": \"\\\"Bare title\\\"\"}\n"
            "{\"title\": \"Split\", \"text\": \"row\"}\n\n");
  const auto docs = loadCorpus((dir / "corpus.jsonl").string());
  REQUIRE(docs.size() == 3);
  CHECK(docs[0].id == "0");
  CHECK(docs[0].titleLine() == "\"Evan Morris\"");
  CHECK(docs[0].text().substr(0, 11) == "Evan Morris");
  CHECK(docs[1].id == "7");
  CHECK(docs[1].text().empty());
  CHECK(docs[2].contents == "\"Split\"\nrow");
  CHECK(docs[2].id == "2");
  writeText(dir / "bad.jsonl", "{\"id\": \"0\", \"contents\": \"ok\"}\n{\"id\": \"1\", \"contents\": 5}\n");
  CHECK_THROWS_WITH_AS(loadCorpus((dir / "bad.jsonl").string()), doctest::Contains("bad.jsonl:2"), Error);
  writeText(dir / "notjson.jsonl", "{\"id\": \"0\", \"contents\": \"ok\"}\n{broken\n");
  CHECK_THROWS_WITH_AS(loadCorpus((dir / "notjson.jsonl").string()), doctest::Contains("notjson.jsonl:2: not a JSON object"), Error);
  CHECK_THROWS_AS(loadCorpus((dir / "missing.jsonl").string()), Error);

  writeText(dir / "q.jsonl",
            "{\"id\": \"test_0\", \"question\": \"who got the first nobel prize in physics?\", \"golden_answers\": [\"Wilhelm Conrad R\\u00f6ntgen\"]}\n"
            "{\"question\": \"q2\", \"reward_model\": {\"style\": \"rule\", \"ground_truth\": {\"target\": [\"a\", \"b\"]}}}\n"
            "{\"id\": 3, \"question\": \"q3\", \"golden_answers\": \"single\", \"evidence\": [\"4\", 5], \"hops\": 2, \"type\": \"bridge\"}\n");
  const auto qs = loadQuestions((dir / "q.jsonl").string());
  REQUIRE(qs.size() == 3);
  CHECK(qs[0].golden_answers == std::vector<std::string>{"Wilhelm Conrad R\xc3\xb6ntgen"});
  CHECK(qs[1].id == "1");
  CHECK(qs[1].golden_answers == std::vector<std::string>{"a", "b"});
  CHECK(qs[2].evidence == std::vector<std::string>{"4", "5"});
  CHECK(qs[2].hops == 2);
  CHECK(qs[2].type == "bridge");
  writeText(dir / "noanswer.jsonl", "{\"question\": \"q\", \"golden_answers\": []}\n");
  CHECK_THROWS_WITH_AS(loadQuestions((dir / "noanswer.jsonl").string()), doctest::Contains("noanswer.jsonl:1: no \"golden_answers\""), Error);
  writeText(dir / "noquestion.jsonl", "{\"golden_answers\": [\"x\"]}\n");
  CHECK_THROWS_WITH_AS(loadQuestions((dir / "noquestion.jsonl").string()), doctest::Contains("noquestion.jsonl:1: no \"question\""), Error);
  fs::remove_all(dir);
}

TEST_CASE("search retriever: /retrieve JSON is Search-R1's, byte for byte, and replies are checked") {
  RetrievalResults r = {{{"0", "\"Evan Morris\"\nEvan Morris \xe2\x80\x93 lobbyist", 7.25}, {"12", "\"B\"\nb", 1.5}}, {}};
  CHECK(renderJson(retrieveResponseJson(r, true)) ==
        "{\"result\":[[{\"document\":{\"id\":\"0\",\"contents\":\"\\\"Evan Morris\\\"\\nEvan Morris \xe2\x80\x93 lobbyist\"},\"score\":7.25},"
        "{\"document\":{\"id\":\"12\",\"contents\":\"\\\"B\\\"\\nb\"},\"score\":1.5}],[]]}");
  CHECK(renderJson(retrieveResponseJson(r, false)) ==
        "{\"result\":[[{\"id\":\"0\",\"contents\":\"\\\"Evan Morris\\\"\\nEvan Morris \xe2\x80\x93 lobbyist\"},{\"id\":\"12\",\"contents\":\"\\\"B\\\"\\nb\"}],[]]}");
  CHECK(renderJson(retrieveRequestJson({"q1", "q2"}, 3, true)) == "{\"queries\":[\"q1\",\"q2\"],\"topk\":3,\"return_scores\":true}");
  // Both reply shapes parse back; pyserini's BM25 documents (title/text/contents, no id) too.
  const auto back = parseRetrieveResponse(nlohmann::json::parse(renderJson(retrieveResponseJson(r, true))), 2);
  REQUIRE(back.size() == 2);
  CHECK(back[0][0].id == "0");
  CHECK(back[0][0].score == 7.25);
  CHECK(back[0][1].contents == "\"B\"\nb");
  CHECK(parseRetrieveResponse(nlohmann::json::parse(renderJson(retrieveResponseJson(r, false))), 2)[0][1].id == "12");
  const auto pyserini = parseRetrieveResponse(nlohmann::json::parse(R"({"result":[[{"title":"T","text":"x","contents":"\"T\"\nx"}]]})"), 1);
  CHECK(pyserini[0][0].contents == "\"T\"\nx");
  CHECK(pyserini[0][0].id.empty());
  // Garbage.
  CHECK_THROWS_WITH_AS(parseRetrieveResponse(nlohmann::json::parse(R"({"detail":"x"})"), 1), doctest::Contains("no \"result\""), Error);
  CHECK_THROWS_WITH_AS(parseRetrieveResponse(nlohmann::json::parse(R"({"result":[[]]})"), 2), doctest::Contains("1 result lists for 2 queries"), Error);
  CHECK_THROWS_WITH_AS(parseRetrieveResponse(nlohmann::json::parse(R"({"result":[[{"document":{"id":"1"}}]]})"), 1),
                       doctest::Contains("result[0][0].document has no string \"contents\""), Error);
  CHECK_THROWS_AS(parseRetrieveResponse(nlohmann::json::parse(R"({"result":[5]})"), 1), Error);
}

TEST_CASE("search retriever: a server that is down is an Unavailable error after the retries, quickly") {
  HttpRetrieverOptions o;
  o.url = "http://127.0.0.1:1/retrieve";  // nothing listens on port 1
  o.timeout_s = 2;
  o.retries = 1;
  o.retry_delay_s = 0.01;
  HttpRetriever r(o);
  CHECK_THROWS_AS(r.retrieve({"q"}, 3), Error);
  CHECK_THROWS_AS(HttpRetriever(HttpRetrieverOptions{"ftp://x", 1, 0, 0}), Error);
}
