#include "llm_server/answer_parser.h"

#include <doctest/doctest.h>

using spur::Label;
using spur::parseClassification;
using spur::parseRanking;

namespace {
Label cls(const char* answer) { return parseClassification(answer, "HELPFUL_YES", "HELPFUL_NO"); }
}  // namespace

TEST_CASE("parser: classification reads the verdict inside <label>") {
  CHECK(cls("<knowledge>Jackals are weak.</knowledge><analysis>A kill.</analysis><label> HELPFUL_YES </label>") == Label::kHelpful);
  CHECK(cls("<label>HELPFUL_NO</label>") == Label::kNotHelpful);
  CHECK(cls("<LABEL>helpful_yes</LABEL>") == Label::kHelpful);  // case
  CHECK(cls("<label>HELPFUL_NO</label> ... later <label>HELPFUL_YES</label>") == Label::kHelpful);  // the last tag
}

TEST_CASE("parser: classification without tags takes the last marker") {
  CHECK(cls("Verdict: HELPFUL_NO.") == Label::kNotHelpful);
  CHECK(cls("I must answer HELPFUL_YES or HELPFUL_NO. This kill matters, so: HELPFUL_YES") == Label::kHelpful);
  // An echoed instruction inside the tag holds both markers: the text after it decides.
  CHECK(cls("<label> HELPFUL_YES if it helps, HELPFUL_NO if not </label> My answer is HELPFUL_NO") == Label::kNotHelpful);
  // Unclosed tag.
  CHECK(cls("<label> HELPFUL_YES") == Label::kHelpful);
}

TEST_CASE("parser: classification answers without a verdict are 'no label'") {
  CHECK(cls("") == Label::kNone);
  CHECK(cls("I think this message is good.") == Label::kNone);
  CHECK(cls("<label></label>") == Label::kNone);
  CHECK(cls("\x01\xff\xfe garbage \x00") == Label::kNone);
}

TEST_CASE("parser: ranking reads the first best-description verdict") {
  CHECK(parseRanking(R"(... ("best_description": 1))") == Label::kFirst);
  CHECK(parseRanking(R"({"best_description": 2})") == Label::kSecond);
  CHECK(parseRanking("Best Description: None") == Label::kTie);
  CHECK(parseRanking("best description is 2") == Label::kSecond);
  CHECK(parseRanking("BEST__DESCRIPTION = none.") == Label::kTie);
  CHECK(parseRanking(R"("best_description": 2 ... "best_description": 1)") == Label::kSecond);
}

TEST_CASE("parser: ranking answers without a verdict are 'no label'") {
  CHECK(parseRanking("") == Label::kNone);
  CHECK(parseRanking("The first one is better.") == Label::kNone);
  CHECK(parseRanking("best_description: 3") == Label::kNone);
  CHECK(parseRanking("best_description: 12") == Label::kNone);
}
