// The web-search text protocol and rewards against the behaviour of ReSeek's and Search-R1's
// code (../shared/docs/refs/search/): parsing precedence, truncation, information format,
// answer normalisation, the s4 judge reward's pairing and the Search-R1 format reward table.
#include <doctest/doctest.h>

#include "envs/search/protocol.h"

using namespace spur::search;

TEST_CASE("search protocol: truncation keeps text up to the first closing tag by priority search > answer > judge") {
  CHECK(truncateTurn("<think>x</think><search>a</search> tail <answer>b</answer>") == "<think>x</think><search>a</search>");
  // </search> wins even when </answer> comes first (ReSeek's priority sort, not position).
  CHECK(truncateTurn("<answer>b</answer> then <search>a</search>") == "<answer>b</answer> then <search>a</search>");
  CHECK(truncateTurn("<judge>Yes</judge><answer>b</answer> more") == "<judge>Yes</judge><answer>b</answer>");
  CHECK(truncateTurn("<judge>No</judge> rest") == "<judge>No</judge>");
  CHECK(truncateTurn("no tags at all") == "no tags at all");
}

TEST_CASE("search protocol: parsing takes answer > search > judge, first of the kind, content stripped") {
  ParsedTurn t = parseTurn("<judge>No</judge>\n<search>  Jack Daniel's song 2015 </search>");
  CHECK(t.kind == TurnKind::kSearch);
  CHECK(t.content == "Jack Daniel's song 2015");
  CHECK(t.elements == 2);
  t = parseTurn("<answer>Final answer</answer><judge>Yes</judge>");
  CHECK(t.kind == TurnKind::kAnswer);
  CHECK(t.content == "Final answer");
  t = parseTurn("<judge>Maybe</judge>");  // any judge content is a judge turn
  CHECK(t.kind == TurnKind::kJudge);
  CHECK(t.content == "Maybe");
  t = parseTurn("<search>a</search><search>b</search>");
  CHECK(t.content == "a");
  t = parseTurn("<search>multi\nline</search>");
  CHECK(t.content == "multi\nline");
  // Malformed: unclosed, mismatched, misspelt tags.
  CHECK(parseTurn("<search>unclosed").kind == TurnKind::kInvalid);
  CHECK(parseTurn("<search>x</answer>").kind == TurnKind::kInvalid);
  CHECK(parseTurn("<Search>x</Search>").kind == TurnKind::kInvalid);
  CHECK(parseTurn("").kind == TurnKind::kInvalid);
  CHECK(parseTurn("").elements == 0);
  // An inner tag of another kind: the regex's non-greedy body spans it.
  t = parseTurn("<answer>a <search>q</search> b</answer>");
  CHECK(t.kind == TurnKind::kAnswer);
  CHECK(t.content == "a <search>q</search> b");
  CHECK(parseTurn("<search></search>").kind == TurnKind::kSearch);
  CHECK(parseTurn("<search></search>").content.empty());
}

TEST_CASE("search protocol: information block and passage format are Search-R1's") {
  const std::string passages = formatPassages({"\"Evan Morris\"\nEvan Morris was a lobbyist.", "\"Two\"\nline one\nline two", "\"Bare\""});
  CHECK(passages == "Doc 1(Title: \"Evan Morris\") Evan Morris was a lobbyist.\nDoc 2(Title: \"Two\") line one\nline two\nDoc 3(Title: \"Bare\") \n");
  CHECK(informationBlock(passages) ==
        "\n\n<information>Doc 1(Title: \"Evan Morris\") Evan Morris was a lobbyist.\nDoc 2(Title: \"Two\") line one\nline two\nDoc 3(Title: "
        "\"Bare\")</information>\n\n");
  CHECK(informationBlock("") == "\n\n<information></information>\n\n");
  CHECK(kInvalidActionText.front() == '\n');
  CHECK(kInvalidActionText.find("My previous action is invalid. If I want to search, I should put the query between <search> and </search>.") == 1);
}

TEST_CASE("search protocol: normalize_answer, EM, substring EM and token F1") {
  CHECK(normalizeAnswer("The  Eiffel-Tower!") == "eiffeltower");
  CHECK(normalizeAnswer("a cat and AN owl, the end") == "cat and owl end");
  CHECK(normalizeAnswer("theory") == "theory");  // articles only as whole words
  CHECK(normalizeAnswer("") == "");
  CHECK(exactMatch(" the Beijing. ", {"Beijing"}));
  CHECK_FALSE(exactMatch("Beijing city", {"Beijing"}));
  CHECK(exactMatch("Peking", {"Beijing", "Peking"}));
  CHECK(substringMatch("Beijing city", {"Beijing"}));
  CHECK(tokenF1("Orin Vasquell", {"Orin Vasquell"}) == doctest::Approx(1.0));
  CHECK(tokenF1("Orin", {"Orin Vasquell"}) == doctest::Approx(2.0 / 3.0));
  CHECK(tokenF1("nothing", {"Orin Vasquell"}) == 0.0);
  CHECK(tokenF1("", {"x"}) == 0.0);
}

TEST_CASE("search protocol: ReSeek outcome score takes the last answer and penalises more than ten answer tags") {
  CHECK(reseekOutcomeScore("<search>q</search>", {"x"}) == 0.0);
  CHECK(reseekOutcomeScore("<answer>y</answer> <answer>X</answer>", {"x"}) == 1.0);
  CHECK(reseekOutcomeScore("<answer>X</answer> <answer>y</answer>", {"x"}) == 0.0);
  std::string many;
  for (int i = 0; i < 11; ++i) many += "<answer>x</answer>";
  CHECK(reseekOutcomeScore(many, {"x"}) == 0.25);
  std::string ten;
  for (int i = 0; i < 10; ++i) ten += "<answer>x</answer>";
  CHECK(reseekOutcomeScore(ten, {"x"}) == 1.0);
  CHECK(lastAnswer("<answer> a </answer>").value() == "a");
  CHECK_FALSE(lastAnswer("<answer>a").has_value());
}

TEST_CASE("search protocol: each information block pairs with the first later judge, one judge serving several blocks") {
  const std::string t =
      "<search>q1</search>\n\n<information>doc A</information>\n\n<search>q2</search>\n\n<information>doc B</information>\n\n"
      "<judge>no</judge><search>q3</search>\n\n<information>  </information>\n\n<judge>YES</judge>"
      "<search>q4</search>\n\n<information>doc D</information>\n\n<answer>x</answer>";
  const auto pairs = informationJudgements(t);
  REQUIRE(pairs.size() == 3);  // D has no later judge
  CHECK(pairs[0].information == "doc A");
  CHECK_FALSE(pairs[0].said_yes);  // A's first later judge is the "no" after B
  CHECK(pairs[1].information == "doc B");
  CHECK_FALSE(pairs[1].said_yes);
  CHECK(pairs[2].information.empty());  // empty blocks are paired; the reward skips them
  CHECK(pairs[2].said_yes);
  CHECK(pairs[2].block == 2);
  CHECK(t.compare(pairs[0].offset, 13, "<information>") == 0);
  // A judge with other content pairs with nothing.
  CHECK(informationJudgements("<information>a</information><judge>Maybe</judge>").empty());
}

TEST_CASE("search protocol: the usefulness test is a raw lowercase substring of a gold answer") {
  CHECK(goldInInformation("Doc 1(Title: \"X\") born in PORT AMBRIEL.", {"Port Ambriel"}));
  CHECK_FALSE(goldInInformation("Doc 1(Title: \"X\") born in Port-Ambriel.", {"Port Ambriel"}));  // no normalisation
  CHECK_FALSE(goldInInformation("", {"x"}));
  CHECK_FALSE(goldInInformation("anything", {""}));
}

TEST_CASE("search protocol: Search-R1's format check and format reward table") {
  const std::string valid =
      "<think>t</think>\n<search>q</search>\n\n<information>Doc 1 Beijing</information>\n\n<think>u</think><answer>Beijing</answer>";
  CHECK(searchR1ValidFormat(valid));
  CHECK(searchR1ValidFormat("<think>t</think><answer>a</answer>"));
  CHECK_FALSE(searchR1ValidFormat("<answer>a</answer>"));                          // no think first
  CHECK_FALSE(searchR1ValidFormat("<think>t</think> stray <answer>a</answer>"));   // text between tags
  CHECK_FALSE(searchR1ValidFormat("<think>t</think><answer>a</answer> after"));    // text after the end
  CHECK_FALSE(searchR1ValidFormat("<think>t</think><search>q</search><answer>a</answer>"));  // search without information
  CHECK_FALSE(searchR1ValidFormat("<think>t<think></think><answer>a</answer>"));   // unbalanced
  CHECK_FALSE(searchR1ValidFormat("<think>t</think><search>q</search>\n\n<information>i</information>\n\n<judge>Yes</judge><think>u</think><answer>a</answer>"));
  // answer correct: 1 valid / 0.8 invalid; wrong: 0.2 / 0.1; none: 0.2 / 0.
  CHECK(searchR1FormatScore(valid, {"Beijing"}) == doctest::Approx(1.0));
  CHECK(searchR1FormatScore("<answer>Beijing</answer>", {"Beijing"}) == doctest::Approx(0.8));
  CHECK(searchR1FormatScore("<think>t</think><answer>Paris</answer>", {"Beijing"}) == doctest::Approx(0.2));
  CHECK(searchR1FormatScore("<answer>Paris</answer>", {"Beijing"}) == doctest::Approx(0.1));
  CHECK(searchR1FormatScore("<think>t</think>", {"Beijing"}) == doctest::Approx(0.0));  // incomplete: invalid, no answer
  CHECK(searchR1FormatScore("junk", {"Beijing"}) == doctest::Approx(0.0));
  // The retrieval bonus: a wrong answer after information holding the gold answer.
  const std::string wrong = "<think>t</think><search>q</search><information>Beijing</information><think>u</think><answer>Paris</answer>";
  CHECK(searchR1FormatScore(wrong, {"Beijing"}, 0.1) == doctest::Approx(0.3));
  CHECK(searchR1FormatScore(wrong, {"Beijing"}) == doctest::Approx(0.2));
}
