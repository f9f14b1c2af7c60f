// The fictional search-world generator: determinism, disjoint worlds, answerable questions,
// distractors, the Search-R1 passage format, and the files it writes.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "core/status.h"
#include "envs/search/corpus.h"
#include "envs/search/world_generator.h"

namespace fs = std::filesystem;
using namespace spur;
using namespace spur::search;

namespace {

WorldOptions smallOptions(uint64_t seed = 7) {
  WorldOptions o;
  o.seed = seed;
  o.entities = 600;
  o.test_fraction = 0.25;
  return o;
}

const GeneratedWorld& world() {
  static const GeneratedWorld w = generateSearchWorld(smallOptions());
  return w;
}

bool sameQuestions(const std::vector<SearchQuestion>& a, const std::vector<SearchQuestion>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].id != b[i].id || a[i].question != b[i].question || a[i].golden_answers != b[i].golden_answers ||
        a[i].evidence != b[i].evidence || a[i].hops != b[i].hops || a[i].type != b[i].type)
      return false;
  return true;
}

bool sameCorpus(const std::vector<CorpusDoc>& a, const std::vector<CorpusDoc>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].id != b[i].id || a[i].contents != b[i].contents) return false;
  return true;
}

// `needle` in `hay` with no letter on either side.
bool containsWord(const std::string& hay, const std::string& needle) {
  for (std::size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) {
    const bool left = at == 0 || !std::isalpha(static_cast<unsigned char>(hay[at - 1]));
    const std::size_t end = at + needle.size();
    const bool right = end == hay.size() || !std::isalpha(static_cast<unsigned char>(hay[end]));
    if (left && right) return true;
  }
  return false;
}

int countWords(std::string_view s) {
  std::istringstream in{std::string(s)};
  int n = 0;
  for (std::string w; in >> w;) ++n;
  return n;
}

bool isYear(const std::string& s) {
  return s.size() == 4 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Every word starts with a capital letter: a span extractor taking capitalised runs finds it.
bool isCapitalisedRun(const std::string& s) {
  std::istringstream in(s);
  int n = 0;
  for (std::string w; in >> w; ++n)
    if (!std::isupper(static_cast<unsigned char>(w[0]))) return false;
  return n > 0;
}

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path tempDir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("spur-search-gen-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(d);
  fs::path partial = d;
  partial += ".partial";
  fs::remove_all(partial);
  return d;
}

}  // namespace

TEST_CASE("search generator: the same options give the same world, another seed other names") {
  const GeneratedWorld again = generateSearchWorld(smallOptions());
  CHECK(sameCorpus(world().corpus, again.corpus));
  CHECK(sameQuestions(world().train, again.train));
  CHECK(sameQuestions(world().test, again.test));

  const GeneratedWorld other = generateSearchWorld(smallOptions(8));
  CHECK_FALSE(sameCorpus(world().corpus, other.corpus));
  std::set<std::string> names;
  for (const auto& e : world().entities) names.insert(e.name);
  int shared = 0;
  for (const auto& e : other.entities) shared += names.count(e.name) > 0;
  CHECK(shared < static_cast<int>(other.entities.size()) / 50);  // invented names rarely collide by chance
}

TEST_CASE("search generator: the train and test worlds share no entity, name or passage") {
  const GeneratedWorld& w = world();
  std::array<std::vector<const WorldEntity*>, 2> by_world;
  std::array<std::set<std::string>, 2> names, person_words;
  for (const auto& e : w.entities) {
    REQUIRE((e.world == 0 || e.world == 1));
    by_world[static_cast<std::size_t>(e.world)].push_back(&e);
    names[static_cast<std::size_t>(e.world)].insert(e.name);
    for (const auto& a : e.aliases) names[static_cast<std::size_t>(e.world)].insert(a);
    if (e.type == "person") {
      std::istringstream in(e.name);
      for (std::string word; in >> word;) person_words[static_cast<std::size_t>(e.world)].insert(word);
    }
  }
  CHECK(by_world[1].size() == 150);  // 600 x 0.25
  for (const auto& n : names[0]) CHECK_MESSAGE(names[1].count(n) == 0, n);
  for (const auto& word : person_words[0]) CHECK_MESSAGE(person_words[1].count(word) == 0, word);

  // No passage mentions a person of the other world (filler names come from the own world).
  REQUIRE(w.corpus_world.size() == w.corpus.size());
  for (std::size_t i = 0; i < w.corpus.size(); ++i) {
    const auto& foreign = person_words[static_cast<std::size_t>(1 - w.corpus_world[i])];
    std::string text = w.corpus[i].contents;
    for (char& ch : text)
      if (!std::isalpha(static_cast<unsigned char>(ch))) ch = ' ';
    std::istringstream in(text);
    for (std::string word; in >> word;) CHECK_MESSAGE(foreign.count(word) == 0, w.corpus[i].contents);
  }

  // No question of one split names, or answers with, an entity of the other world, and its
  // evidence lies in its own world.
  const std::array<const std::vector<SearchQuestion>*, 2> splits = {&w.train, &w.test};
  for (int s = 0; s < 2; ++s) {
    const int other = 1 - s;
    for (const auto& q : *splits[static_cast<std::size_t>(s)]) {
      for (const auto& a : q.golden_answers) CHECK_MESSAGE(names[static_cast<std::size_t>(other)].count(a) == 0, q.question);
      for (const WorldEntity* e : by_world[static_cast<std::size_t>(other)])
        CHECK_MESSAGE(!containsWord(q.question, e->name), q.question, " names ", e->name);
      for (const auto& id : q.evidence) CHECK(w.corpus_world[std::stoul(id)] == s);
    }
  }
}

TEST_CASE("search generator: every question is answerable from its evidence passages") {
  const GeneratedWorld& w = world();
  CHECK(w.train.size() == 450);  // one question per entity
  CHECK(w.test.size() == 150);
  const std::array<const std::vector<SearchQuestion>*, 2> splits = {&w.train, &w.test};
  std::set<std::string> ids;
  for (const auto* split : splits) {
    std::map<std::string, int> types;
    std::set<int64_t> bridge_hops;
    for (const auto& q : *split) {
      CHECK(ids.insert(q.id).second);
      ++types[q.type];
      CHECK((q.hops >= 1 && q.hops <= 4));
      if (q.type == "bridge") bridge_hops.insert(q.hops);
      if (q.type == "single") CHECK(q.hops == 1);
      if (q.type == "comparison" || q.type == "intersection") CHECK(q.hops == 2);
      REQUIRE_FALSE(q.golden_answers.empty());
      REQUIRE_FALSE(q.evidence.empty());
      CHECK(q.question.back() == '?');
      const std::string& answer = q.golden_answers.front();
      CHECK_MESSAGE((isYear(answer) || isCapitalisedRun(answer)), answer);
      for (const auto& a : q.golden_answers) {
        bool found = false;
        for (const auto& id : q.evidence) {
          const std::size_t i = std::stoul(id);
          REQUIRE(i < w.corpus.size());
          REQUIRE(w.corpus[i].id == id);
          found = found || w.corpus[i].contents.find(a) != std::string::npos;
        }
        CHECK_MESSAGE(found, q.question, " -> ", a);
        if (q.type == "comparison") {
          CHECK_MESSAGE(q.question.find(a) != std::string::npos, q.question);  // one of the two named
        } else {
          CHECK_MESSAGE(q.question.find(a) == std::string::npos, q.question, " gives away ", a);
        }
      }
    }
    for (const char* t : {"single", "bridge", "comparison", "intersection"}) CHECK_MESSAGE(types[t] > 0, t);
    CHECK(types.size() == 4);
    CHECK(bridge_hops == std::set<int64_t>{2, 3, 4});
  }
}

TEST_CASE("search generator: distractors: homonyms, disambiguation pages, near-duplicate names") {
  const GeneratedWorld& w = world();
  // Titles that share a name up to a parenthesised disambiguator.
  std::map<std::string, std::set<std::string>> by_base;
  int disambiguation_pages = 0;
  for (const auto& d : w.corpus) {
    std::string title(d.titleLine());
    title = title.substr(1, title.size() - 2);
    if (title.ends_with(" (disambiguation)")) ++disambiguation_pages;
    const auto paren = title.find(" (");
    by_base[title.substr(0, paren)].insert(title);
  }
  int shared = 0;
  for (const auto& [base, titles] : by_base) shared += titles.size() >= 2;
  CHECK(shared > 0);
  CHECK(disambiguation_pages > 0);

  // Near-duplicates: two person names of one world that differ in exactly one letter.
  std::array<std::vector<std::string>, 2> people;
  for (const auto& e : w.entities)
    if (e.type == "person") people[static_cast<std::size_t>(e.world)].push_back(e.name);
  int near = 0;
  for (const auto& names : people)
    for (std::size_t i = 0; i < names.size(); ++i)
      for (std::size_t j = i + 1; j < names.size(); ++j) {
        if (names[i].size() != names[j].size()) continue;
        int diff = 0;
        for (std::size_t k = 0; k < names[i].size() && diff < 2; ++k) diff += names[i][k] != names[j][k];
        near += diff == 1;
      }
  CHECK(near > 0);
}

TEST_CASE("search generator: passages are Search-R1 rows of about 60-120 words, ids in order") {
  const GeneratedWorld& w = world();
  CHECK(w.corpus.size() >= 600 * 5);  // about five passages per entity
  CHECK(w.corpus.size() <= 600 * 6);
  REQUIRE(w.corpus_world.size() == w.corpus.size());
  int in_band = 0;
  for (std::size_t i = 0; i < w.corpus.size(); ++i) {
    const CorpusDoc& d = w.corpus[i];
    CHECK(d.id == std::to_string(i));
    const std::string_view title = d.titleLine();
    REQUIRE(title.size() > 2);
    CHECK(title.front() == '"');
    CHECK(title.back() == '"');
    const int words = countWords(d.text());
    CHECK_MESSAGE((words >= 15 && words <= 140), d.contents);
    in_band += words >= 55 && words <= 125;
  }
  CHECK(in_band >= static_cast<int>(w.corpus.size()) * 95 / 100);
}

TEST_CASE("search generator: writeSearchWorld writes files that load back, into a new or empty directory") {
  const GeneratedWorld& w = world();
  const WorldOptions o = smallOptions();
  const fs::path dir = tempDir("write");
  writeSearchWorld(w, o, dir.string());
  CHECK(sameCorpus(loadCorpus((dir / "corpus.jsonl").string()), w.corpus));
  CHECK(sameQuestions(loadQuestions((dir / "train.jsonl").string()), w.train));
  CHECK(sameQuestions(loadQuestions((dir / "test.jsonl").string()), w.test));
  const auto summary = nlohmann::json::parse(readFile(dir / "world.json"));
  CHECK(summary["seed"] == 7);
  CHECK(summary["passages"] == w.corpus.size());
  CHECK(summary["splits"]["train"]["questions"] == w.train.size());
  CHECK(summary["splits"]["test"]["entities"]["person"].get<int>() > 0);
  int64_t typed = 0;
  for (const auto& [type, n] : summary["splits"]["test"]["types"].items()) typed += n.get<int64_t>();
  CHECK(typed == static_cast<int64_t>(w.test.size()));
  fs::path partial = dir;
  partial += ".partial";
  CHECK_FALSE(fs::exists(partial));

  const fs::path empty = tempDir("empty");
  fs::create_directories(empty);
  writeSearchWorld(w, o, empty.string() + "/");
  CHECK(fs::exists(empty / "corpus.jsonl"));
  fs::remove_all(dir);
  fs::remove_all(empty);
}

TEST_CASE("search generator: writeSearchWorld refuses a non-empty directory and leaves it untouched") {
  const fs::path dir = tempDir("refuse");
  fs::create_directories(dir);
  std::ofstream(dir / "keep.txt") << "mine";
  try {
    writeSearchWorld(world(), smallOptions(), dir.string());
    FAIL("writeSearchWorld wrote into a non-empty directory");
  } catch (const Error& e) {
    CHECK(e.status().code() == StatusCode::kFailedPrecondition);
    CHECK(std::string(e.what()).find(dir.string()) != std::string::npos);
  }
  CHECK(readFile(dir / "keep.txt") == "mine");
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);
  fs::path partial = dir;
  partial += ".partial";
  CHECK_FALSE(fs::exists(partial));
  fs::remove_all(dir);
}

TEST_CASE("search generator: options out of range are errors") {
  auto code = [](WorldOptions o) {
    try {
      (void)generateSearchWorld(o);
    } catch (const Error& e) {
      return e.status().code();
    }
    return StatusCode::kOk;
  };
  WorldOptions o = smallOptions();
  o.entities = 99;
  CHECK(code(o) == StatusCode::kInvalidArgument);
  o = smallOptions();
  o.test_fraction = 0.0;
  CHECK(code(o) == StatusCode::kInvalidArgument);
  o.test_fraction = 1.0;
  CHECK(code(o) == StatusCode::kInvalidArgument);
  o = smallOptions();
  o.test_fraction = 0.05;  // 30 entities in the test world: too few for every entity type
  CHECK(code(o) == StatusCode::kInvalidArgument);
  o = smallOptions();
  o.questions_per_entity = 0.0;
  CHECK(code(o) == StatusCode::kInvalidArgument);
}
