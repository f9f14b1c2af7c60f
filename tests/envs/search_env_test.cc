// SearchEnv on a four-passage corpus: the text protocol end to end, rewards (ReSeek with its
// judge-pair quirks, oracle vs substring usefulness, EM, Search-R1 format), the turn budget,
// judge_no_policy, candidate actions, and bad input that must not throw.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "core/status.h"
#include "envs/env_registry.h"
#include "envs/search/search_env.h"
#include "envs/text/text_tokens.h"

#include <array>
#include <optional>

using namespace spur;
namespace fs = std::filesystem;

namespace {

// Doc 3 shares its name with doc 1 (a distractor); doc 0 names the founder, doc 1 his birth year.
fs::path worldDir() {
  const fs::path dir = fs::temp_directory_path() / ("spur_search_env_" + std::to_string(::getpid()));
  if (fs::exists(dir / "corpus.jsonl")) return dir;
  fs::create_directories(dir);
  std::ofstream(dir / "corpus.jsonl")
      << "{\"id\": \"0\", \"contents\": \"\\\"Kelvar Press\\\"\\nKelvar Press is a publishing house founded by Orin Vasquell in 1871 in Port Ambriel.\"}\n"
         "{\"id\": \"1\", \"contents\": \"\\\"Orin Vasquell\\\"\\nOrin Vasquell was a printer born in 1843 in Dunmere.\"}\n"
         "{\"id\": \"2\", \"contents\": \"\\\"Dunmere\\\"\\nDunmere is a town on the river Sael.\"}\n"
         "{\"id\": \"3\", \"contents\": \"\\\"Orin Vasquell (sculptor)\\\"\\nOrin Vasquell is a sculptor born in 1901 in Tessaly.\"}\n";
  std::ofstream(dir / "train.jsonl")
      << "{\"id\": \"q0\", \"question\": \"In which year was the founder of Kelvar Press born?\", \"golden_answers\": [\"1843\"], "
         "\"evidence\": [\"0\", \"1\"], \"hops\": 2, \"type\": \"bridge\"}\n";
  return dir;
}

SearchOptions options() {
  SearchOptions o;
  o.data_dir = worldDir().string();
  o.question_order = "cycle";
  o.max_turns = 4;
  return o;
}

double metric(const Env& env, const std::string& name) {
  for (const auto& m : env.episodeMetrics())
    if (m.name == name) return m.value;
  FAIL("no metric " << name);
  return 0;
}

bool hasMetric(const Env& env, const std::string& name) {
  for (const auto& m : env.episodeMetrics())
    if (m.name == name) return true;
  return false;
}

std::string feedback(const Env& env) {
  const TensorView v = env.observation(1);
  return std::string(v.as<char>());  // zero-padded
}

}  // namespace

TEST_CASE("search env: a text episode searches, judges and answers; ReSeek's reward with the Yes-and-correct shortcut") {
  SearchEnv env(options());
  env.reset(0);
  CHECK(std::string(env.observation(0).as<char>()) == "In which year was the founder of Kelvar Press born?");
  CHECK(feedback(env) == "Turn 1 of 5.");
  StepResult s = env.stepText("<think>who founded it?</think>\n<search> Kelvar Press </search> and then more text");
  CHECK_FALSE(s.done);
  CHECK(env.transcript() ==
        "<think>who founded it?</think>\n<search> Kelvar Press </search>\n\n<information>Doc 1(Title: \"Kelvar Press\") Kelvar Press is a "
        "publishing house founded by Orin Vasquell in 1871 in Port Ambriel.</information>\n\n");
  CHECK(env.message().find("Question: In which year was the founder of Kelvar Press born?\nInformation: Doc 1(Title: \"Kelvar Press\")") == 0);
  CHECK(feedback(env).find("Turn 2 of 5. <information>Doc 1(Title: \"Kelvar Press\")") == 0);
  s = env.stepText("<judge>Yes</judge>");
  CHECK(env.message().empty());
  CHECK(feedback(env).find("Doc 1(Title: \"Kelvar Press\")") != std::string::npos);  // the evidence stays visible
  s = env.stepText("<search>Orin Vasquell born</search>");
  CHECK(env.transcript().find("Doc 1(Title: \"Orin Vasquell\") Orin Vasquell was a printer born in 1843") != std::string::npos);
  s = env.stepText("<judge>yes</judge>");
  s = env.stepText("<answer> 1843 </answer>");
  CHECK(s.done);
  CHECK(s.end_status == EndStatus::kTaskSuccessful);
  // EM 1 + two pairs, each Yes with a correct answer: 0.3 + 0.1, whatever the block held.
  CHECK(s.reward == doctest::Approx(1.8));
  CHECK(metric(env, "em") == 1.0);
  CHECK(metric(env, "f1") == 1.0);
  CHECK(metric(env, "em/bridge") == 1.0);
  CHECK(metric(env, "searches") == 2);
  CHECK(metric(env, "judgements") == 2);
  // The first block did not hold 1843: its Yes was wrong by the substring test.
  CHECK(metric(env, "judge_accuracy") == 0.5);
  CHECK(metric(env, "evidence_recall") == 1.0);
  CHECK(metric(env, "turns") == 5);
  CHECK(metric(env, "invalid_turns") == 0);
}

TEST_CASE("search env: usefulness by substring or by gold evidence decides the judge reward of a wrong answer") {
  for (const char* source : {"substring", "oracle", "none"}) {
    SearchOptions o = options();
    o.judge_reward = source;
    SearchEnv env(o);
    env.reset(0);
    env.stepText("<search>Kelvar Press</search>");
    env.stepText("<judge>No</judge>");
    const StepResult s = env.stepText("<answer>1871</answer>");
    REQUIRE(s.done);
    // Doc 0 lacks "1843" (substring: No is right, +0.3) but is gold evidence (oracle: No is wrong, -0.3).
    const double expected = std::string(source) == "substring" ? 0.3 : std::string(source) == "oracle" ? -0.3 : 0.0;
    CHECK(s.reward == doctest::Approx(expected));
    CHECK(metric(env, "em") == 0.0);
    CHECK(metric(env, "answered") == 1.0);
  }
}

TEST_CASE("search env: the turn budget is max_turns plus a final turn in which a search is not run") {
  SearchOptions o = options();
  o.max_turns = 2;
  SearchEnv env(o);
  env.reset(0);
  CHECK_FALSE(env.stepText("I should look this up").done);  // invalid
  CHECK(env.transcript() == std::string("I should look this up") + std::string(search::kInvalidActionText));
  CHECK_FALSE(env.stepText("<search>Kelvar Press</search>").done);
  const StepResult s = env.stepText("<search>Orin Vasquell</search>");
  CHECK(s.done);
  CHECK(s.reward == 0.0);
  CHECK(env.transcript().find("Orin Vasquell was a printer") == std::string::npos);  // not run
  CHECK(metric(env, "invalid_turns") == 1);
  CHECK(metric(env, "searches") == 1);
  CHECK(metric(env, "answered") == 0);
  CHECK_FALSE(hasMetric(env, "judge_accuracy"));
  CHECK_THROWS_AS(env.stepText("<answer>x</answer>"), Error);  // after the end: reset first
}

TEST_CASE("search env: judge_no_policy drop removes the judged information from the agent's context, not from the transcript") {
  SearchOptions o = options();
  o.judge_no_policy = "drop";
  SearchEnv env(o);
  env.reset(0);
  env.stepText("<search>Kelvar Press</search>");
  env.stepText("<judge>No</judge>");
  CHECK(env.context() == "<search>Kelvar Press</search><judge>No</judge>");
  CHECK(env.transcript().find("<information>Doc 1") != std::string::npos);
  CHECK(feedback(env) == "Turn 3 of 5.");
  SearchOptions keep = options();
  SearchEnv kept(keep);
  kept.reset(0);
  kept.stepText("<search>Kelvar Press</search>");
  kept.stepText("<judge>No</judge>");
  CHECK(kept.context() == kept.transcript());
}

TEST_CASE("search env: candidates are turns in the tag grammar; playing one equals sending its text") {
  SearchEnv env(options());
  env.reset(0);
  auto c = env.candidates();
  REQUIRE(c.size() >= 2);
  CHECK(c[0] == "<search>In which year was the founder of Kelvar Press born</search>");
  CHECK(std::find(c.begin(), c.end(), "<search>Kelvar Press</search>") != c.end());
  CHECK(std::find(c.begin(), c.end(), "<judge>Yes</judge>") == c.end());  // nothing to judge yet
  CHECK(std::find(c.begin(), c.end(), "<answer>Kelvar Press</answer>") != c.end());
  const auto mask = env.actionMask();
  CHECK(static_cast<std::size_t>(std::count(mask.begin(), mask.end(), 1)) == c.size());
  const auto pick = std::find(c.begin(), c.end(), "<search>Kelvar Press</search>") - c.begin();
  env.step(pick);
  SearchEnv twin(options());
  twin.reset(0);
  twin.stepText("<search>Kelvar Press</search>");
  CHECK(env.transcript() == twin.transcript());
  c = env.candidates();
  CHECK(std::find(c.begin(), c.end(), "<judge>Yes</judge>") != c.end());
  CHECK(std::find(c.begin(), c.end(), "<judge>No</judge>") != c.end());
  CHECK(std::find(c.begin(), c.end(), "<answer>Orin Vasquell</answer>") != c.end());
  CHECK(std::find(c.begin(), c.end(), "<answer>1871</answer>") != c.end());
  CHECK(std::find(c.begin(), c.end(), "<search>Kelvar Press</search>") == c.end());  // already searched
  // An answer's tokens carry its document's rank and the words around it in the passage.
  {
    const auto slot_of = [&](const std::string& turn) {
      const auto cs = env.candidates();
      const auto i = static_cast<std::size_t>(std::find(cs.begin(), cs.end(), turn) - cs.begin());
      const int32_t* tokens = env.observation(4).as<int32_t>() + i * 16;
      return std::vector<int32_t>(tokens, tokens + 16);
    };
    const auto token = [](const char* word) {
      std::array<int32_t, 1> t{};
      hashTextTokens(word, t);
      return t[0];
    };
    const auto year = slot_of("<answer>1871</answer>");
    for (const char* w : {"answer", "1871", "r1", "founded", "vasquell", "port"})
      CHECK_MESSAGE(std::find(year.begin(), year.end(), token(w)) != year.end(), w);
    const auto search = slot_of("<search>Orin Vasquell year founder born</search>");
    CHECK(std::find(search.begin(), search.end(), token("r1")) == search.end());
  }
  // A document entity becomes a query with the question's content words.
  CHECK(std::find(c.begin(), c.end(), "<search>Orin Vasquell year founder born</search>") != c.end());
  // Walk to the answer through candidates only.
  auto play = [&](const std::string& turn) {
    const auto cs = env.candidates();
    const auto it = std::find(cs.begin(), cs.end(), turn);
    REQUIRE(it != cs.end());
    return env.step(it - cs.begin());
  };
  play("<judge>Yes</judge>");
  play("<search>Orin Vasquell year founder born</search>");
  const StepResult s = play("<answer>1843</answer>");
  CHECK(s.done);
  CHECK(metric(env, "em") == 1.0);
}

TEST_CASE("search env: bad turns are counted, never thrown: several actions, oversized, empty query, a retriever that is down") {
  SearchOptions o = options();
  o.max_turn_bytes = 100;
  SearchEnv env(o);
  env.reset(0);
  env.stepText("<judge>No</judge><search>Kelvar Press</search>");  // search wins
  CHECK(env.transcript().find("<information>Doc 1") != std::string::npos);
  env.stepText(std::string(500, 'x') + "<answer>late</answer>");  // cut to 100 bytes: no tag left
  env.stepText("<search>   </search>");
  CHECK(env.transcript().find("<search>   </search>\n\n<information></information>\n\n") != std::string::npos);
  env.stepText("<answer></answer>");
  CHECK(metric(env, "multi_action_turns") == 1);
  CHECK(metric(env, "oversized_turns") == 1);
  CHECK(metric(env, "invalid_turns") == 1);
  CHECK(metric(env, "empty_queries") == 1);
  CHECK(metric(env, "answered") == 1);
  CHECK(metric(env, "em") == 0);

  SearchOptions down = options();
  down.retriever = "http://127.0.0.1:1/retrieve";
  down.retriever_retries = 0;
  down.retriever_timeout_s = 2;
  SearchEnv remote(down);
  remote.reset(0);
  CHECK_FALSE(remote.stepText("<search>Kelvar Press</search>").done);
  CHECK(remote.transcript() == "<search>Kelvar Press</search>\n\n<information></information>\n\n");
  remote.stepText("<answer>x</answer>");
  CHECK(metric(remote, "retriever_errors") == 1);
}

TEST_CASE("search env: rewards em and search_r1_format; judge off is Search-R1's grammar") {
  SearchOptions o = options();
  o.reward = "em";
  SearchEnv em(o);
  em.reset(0);
  em.stepText("<search>Kelvar Press</search>");
  em.stepText("<judge>Yes</judge>");
  CHECK(em.stepText("<answer>1843</answer>").reward == 1.0);

  o.reward = "search_r1_format";
  o.judge = false;
  SearchEnv r1(o);
  r1.reset(0);
  r1.stepText("<think>a</think><search>Orin Vasquell printer</search>");
  r1.stepText("<judge>Yes</judge>");  // no judge in this grammar: invalid
  CHECK(r1.stepText("<think>b</think><answer>1843</answer>").reward == doctest::Approx(0.8));  // correct, invalid format
  CHECK(metric(r1, "invalid_turns") == 1);
  SearchEnv clean(o);
  clean.reset(0);
  clean.stepText("<think>a</think><search>Orin Vasquell printer</search>");
  CHECK(clean.stepText("<think>b</think><answer>1843</answer>").reward == doctest::Approx(1.0));
}

TEST_CASE("search env: the annotator sees each search's information, or with annotate: judgement each judgement") {
  SearchEnv info(options());
  info.reset(0);
  info.stepText("<search>Kelvar Press</search>");
  CHECK(info.message().find("Question: In which year was the founder of Kelvar Press born?\nInformation: Doc 1(Title: \"Kelvar Press\")") == 0);
  info.stepText("<judge>Yes</judge>");
  CHECK(info.message().empty());
  SearchOptions o = options();
  o.annotate = "judgement";
  SearchEnv judged(o);
  judged.reset(0);
  judged.stepText("<search>Kelvar Press</search>");
  CHECK(judged.message().empty());
  judged.stepText("<judge> no </judge>");  // not the reward's exact Yes/No: no verdict either
  CHECK(judged.message().empty());
  judged.stepText("<judge>no</judge>");
  CHECK(judged.message().find("Question: In which year was the founder of Kelvar Press born?\nInformation: Doc 1(Title: \"Kelvar Press\")") == 0);
  CHECK(judged.message().size() > 20);
  CHECK(judged.message().substr(judged.message().size() - 22) == "\nJudgement: not useful");
  judged.stepText("<search>Orin Vasquell</search>");
  judged.stepText("<judge>Maybe</judge>");  // no verdict, nothing to label
  CHECK(judged.message().empty());
  o.annotate = "both";
  CHECK_THROWS_WITH_AS(searchEnvSpec(o), doctest::Contains("env.search.annotate"), Error);
}

TEST_CASE("search env: options are checked by key; the registry builds it") {
  SearchOptions o = options();
  o.judge_no_policy = "erase";
  CHECK_THROWS_WITH_AS(searchEnvSpec(o), doctest::Contains("env.search.judge_no_policy"), Error);
  o = options();
  o.retriever = "elastic";
  CHECK_THROWS_WITH_AS(searchEnvSpec(o), doctest::Contains("env.search.retriever"), Error);
  o = options();
  o.data_dir.clear();
  CHECK_THROWS_WITH_AS(searchEnvSpec(o), doctest::Contains("env.search"), Error);
  const EnvSpec spec = searchEnvSpec(options());
  CHECK(spec.text_turns);
  CHECK(spec.actions.kind == ActionSpace::Kind::kCandidates);
  const auto names = registeredEnvNames();
  CHECK(std::find(names.begin(), names.end(), std::string("search")) != names.end());
}

TEST_CASE("search env: end statuses say what happened: a wrong answer TASK_FAILED, turns run out TIME_LIMIT") {
  SearchEnv env(options());
  env.reset(0);
  StepResult s = env.stepText("<answer> 1900 </answer>");
  CHECK(s.done);
  CHECK(s.end_status == EndStatus::kTaskFailed);
  CHECK(endStatusName(s.end_status) == "TASK_FAILED");
  env.reset(0);
  s = {};
  int turns = 0;
  while (!s.done && turns < 20) {
    s = env.stepText("<search>Kelvar Press</search>");
    ++turns;
  }
  CHECK(s.done);
  CHECK(s.end_status == EndStatus::kTimeLimit);
  CHECK(endStatusName(s.end_status) == "TIME_LIMIT");
}

TEST_CASE("search env: the launcher's prepare step builds the BM25 index once, before any env") {
  const fs::path dir = fs::temp_directory_path() / ("spur_search_prepare_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(worldDir() / "corpus.jsonl", dir / "corpus.jsonl");
  fs::copy_file(worldDir() / "train.jsonl", dir / "train.jsonl");
  EnvOptions env;
  env.name = "search";
  env.sections.map["search"] = YAML::Load("{data_dir: " + dir.string() + "}");
  prepareEnv(env);
  REQUIRE(fs::exists(dir / "corpus.jsonl.bm25"));
  const auto indexed = search::loadIndexedCorpus((dir / "corpus.jsonl").string());
  CHECK_FALSE(indexed->built);  // the env's process loads what prepare saved
  CHECK(indexed->docs.size() == 4);
  // An HTTP retriever needs no index, but it must answer: nothing listening is an error
  // before any actor starts, naming the key and the URL (not ~6 s of retries per turn).
  fs::remove(dir / "corpus.jsonl.bm25");
  env.sections.map["search"] = YAML::Load("{data_dir: " + dir.string() + ", retriever: 'http://127.0.0.1:1/retrieve', retriever_retries: 0}");
  CHECK_THROWS_WITH_AS(prepareEnv(env), doctest::Contains("env.search.retriever: http://127.0.0.1:1/retrieve does not answer"), Error);
  CHECK_FALSE(fs::exists(dir / "corpus.jsonl.bm25"));
  fs::remove_all(dir);
}

TEST_CASE("search env: a judge inside any turn is judged as the reward pairs it: exact Yes/No, drop, annotate, metrics") {
  // (turn after the first search, the verdict ReSeek's <judge>(Yes|No)</judge> regex finds in it)
  struct Case {
    const char* turn;
    std::optional<bool> verdict;
  };
  const std::vector<Case> cases = {
      {"<judge>No</judge>", false},
      {"<judge>no</judge>", false},
      {"<judge>YES</judge>", true},
      {"<judge> No </judge>", std::nullopt},  // not the regex's exact Yes/No: pairs with nothing
      {"<judge>No.</judge>", std::nullopt},
      {"<judge>nope</judge>", std::nullopt},
      {"<judge>maybe</judge><judge>Yes</judge>", std::nullopt},  // the turn ends at its first </judge>
      {"<judge>No</judge><search>Dunmere</search>", false},  // ReSeek's usual turn: a search that judges
      {"<judge>Yes</judge>\n<search>Dunmere</search>", true},
      {"<think>not useful: <judge>No</judge></think>\n<search>Dunmere</search>", false},
      {"<judge>No</judge> <answer>1871</answer>", false},
  };
  for (const Case& c : cases) {
    for (const char* policy : {"keep", "drop"}) {
      for (const char* information : {"env_only", "any"}) {
        const std::string turn = c.turn, policy_name = policy, information_name = information;
        CAPTURE(turn);
        CAPTURE(policy_name);
        CAPTURE(information_name);
        SearchOptions o = options();
        o.judge_no_policy = policy;
        o.annotate = "judgement";
        o.reward_information = information;
        SearchEnv env(o);
        env.reset(0);
        env.stepText("<search>Kelvar Press</search>");
        StepResult s = env.stepText(c.turn);
        // The annotator gets the judgement iff the reward pairs one with the block.
        if (c.verdict) {
          CHECK(env.message().find("Information: Doc 1(Title: \"Kelvar Press\")") != std::string::npos);
          CHECK(env.message().find(*c.verdict ? "\nJudgement: useful" : "\nJudgement: not useful") != std::string::npos);
        } else {
          CHECK(env.message().empty());
        }
        // drop: a No removes the judged block from the agent's context, whatever the turn's kind.
        const bool dropped = std::string(policy) == "drop" && c.verdict == false;
        CHECK((env.context().find("Kelvar Press is a publishing house") == std::string::npos) == dropped);
        CHECK(env.transcript().find("Kelvar Press is a publishing house") != std::string::npos);
        if (!s.done) s = env.stepText("<answer>1871</answer>");  // wrong: the judge reward alone
        REQUIRE(s.done);
        // The block lacks 1843: a No is right (+0.3), a Yes wrong (-0.6); no verdict, no pair.
        const double expected = !c.verdict ? 0.0 : *c.verdict ? -0.6 : 0.3;
        CHECK(s.reward == doctest::Approx(expected));
        CHECK(metric(env, "judgements") == (c.verdict ? 1 : 0));
      }
    }
  }
}

TEST_CASE("search env: a judge right after a search stops the judge candidates for that block") {
  SearchEnv env(options());
  env.reset(0);
  env.stepText("<search>Kelvar Press</search>");
  const auto offered = [&] {
    const auto c = env.candidates();
    return std::find(c.begin(), c.end(), std::string("<judge>Yes</judge>")) != c.end();
  };
  CHECK(offered());
  env.stepText("<judge> yes </judge>");  // no verdict: still to be judged
  CHECK(offered());
  env.stepText("<judge>Yes</judge>");
  CHECK_FALSE(offered());
}

TEST_CASE("search env: reward_information env_only scores only the information the env appended; any is ReSeek's regex") {
  for (const char* information : {"env_only", "any"}) {
    const std::string information_name = information;
    CAPTURE(information_name);
    const bool any = information_name == "any";
    SearchOptions o = options();
    o.reward_information = information;
    // Blocks the policy writes itself, each holding the answer, judged Yes, then a correct answer.
    SearchEnv env(o);
    env.reset(0);
    env.stepText("<information>1843</information><information>born 1843</information><information>1843!</information><judge>Yes</judge>");
    StepResult s = env.stepText("<answer>1843</answer>");
    REQUIRE(s.done);
    CHECK(s.reward == doctest::Approx(any ? 1.0 + 3 * 0.4 : 1.0));
    CHECK(metric(env, "judgements") == 0);
    // An unclosed <information> of the policy's own swallows the env's block in the regex; env_only
    // still pairs the env's block with the judge after it.
    env.reset(0);
    env.stepText("<information> <search>Kelvar Press</search>");
    env.stepText("<judge>No</judge>");
    s = env.stepText("<answer>1871</answer>");
    REQUIRE(s.done);
    CHECK(s.reward == doctest::Approx(0.3));  // either way a right No (the merged text lacks 1843 too)
    CHECK(metric(env, "judgements") == (any ? 0 : 1));
  }
  SearchOptions o = options();
  CHECK(o.reward_information == "env_only");  // the training default
  o.reward_information = "mine";
  CHECK_THROWS_WITH_AS(searchEnvSpec(o), doctest::Contains("env.search.reward_information"), Error);
}
