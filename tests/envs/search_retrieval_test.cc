// BM25 (scores by hand, deterministic ties, save/load), the corpus/question loaders and the
// /retrieve JSON of Search-R1's API.
#include <doctest/doctest.h>

#include <cmath>
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

}  // namespace

TEST_CASE("search bm25: tokens are lowercased alphanumeric runs") {
  CHECK(bm25Tokens("Evan L. Morris (1977-2015), lobbyist") == std::vector<std::string>{"evan", "l", "morris", "1977", "2015", "lobbyist"});
  CHECK(bm25Tokens("  ,. ").empty());
  CHECK(bm25Tokens("Zürich") == std::vector<std::string>{"z\xc3\xbcrich"});  // UTF-8 stays whole
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
  const std::vector<std::string> texts = {"alpha beta", "beta gamma gamma", "delta"};
  std::vector<std::string_view> views(texts.begin(), texts.end());
  const Bm25Index index = Bm25Index::build(views);
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
