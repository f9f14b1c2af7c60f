// Prompt templates (the shipped files) and the rules backend.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "core/status.h"
#include "llm_server/label_backend.h"
#include "llm_server/prompt_template.h"

namespace fs = std::filesystem;
using spur::AnnotationItem;
using spur::Label;

namespace {
const std::string kPrompts = std::string(SPUR_TEST_REPO) + "/configs/prompts";

std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const spur::Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("prompts: every shipped template loads and renders its items") {
  for (const char* goal : {"score", "gold", "stairs", "combat"}) {
    CAPTURE(goal);
    const auto c = spur::loadPromptTemplate(kPrompts, std::string("classify_") + goal);
    CHECK(c.kind == spur::TemplateKind::kClassification);
    const std::string u = c.render({"You kill the newt!", std::nullopt});
    CHECK(u.find("\"You kill the newt!\"") != std::string::npos);
    CHECK(u.find("{message}") == std::string::npos);
    const auto r = spur::loadPromptTemplate(kPrompts, std::string("rank_") + goal);
    CHECK(r.kind == spur::TemplateKind::kRanking);
    const std::string v = r.render({"{second} in first", std::string("12 gold pieces.")});
    CHECK(v.find("First line: \"{second} in first\"") != std::string::npos);  // placeholders in a text stay text
    CHECK(v.find("Second line: \"12 gold pieces.\"") != std::string::npos);
    CHECK(errorOf([&] { r.render({"single", std::nullopt}); }).find("pairs") != std::string::npos);
    CHECK(errorOf([&] { c.render({"a", std::string("b")}); }).find("single") != std::string::npos);
  }
}

TEST_CASE("prompts: a missing or malformed template names the file and what is wrong") {
  CHECK(errorOf([] { spur::loadPromptTemplate(kPrompts, "nope"); }).find("have: ") != std::string::npos);
  // A template id from the network cannot leave the prompts folder.
  CHECK(errorOf([] { spur::loadPromptTemplate(kPrompts, "../prompts/classify_score"); }).find("only letters, digits") != std::string::npos);
  CHECK(errorOf([] { spur::loadPromptTemplate(kPrompts, "/etc/passwd"); }).find("only letters, digits") != std::string::npos);
  const fs::path dir = fs::temp_directory_path() / ("spur-test-prompts-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "a.yaml") << "kind: classification\nuser: no placeholder here\n";
  std::ofstream(dir / "b.yaml") << "kind: poem\nuser: '{message}'\n";
  std::ofstream(dir / "c.yaml") << "kind: ranking\nuser: '{first} {second}'\ncolour: red\n";
  std::ofstream(dir / "d.yaml") << "kind: classification\nuser: '{message}'\npositive_marker: YES\nnegative_marker: NOT_YES\n";
  CHECK(errorOf([&] { spur::loadPromptTemplate(dir.string(), "a"); }).find("{message}") != std::string::npos);
  CHECK(errorOf([&] { spur::loadPromptTemplate(dir.string(), "b"); }).find("poem") != std::string::npos);
  CHECK(errorOf([&] { spur::loadPromptTemplate(dir.string(), "c"); }).find("colour") != std::string::npos);
  CHECK(errorOf([&] { spur::loadPromptTemplate(dir.string(), "d"); }).find("neither may contain") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("rules backend: the first matching rule labels a message, pairs are ranked by it") {
  spur::LlmOptions o;
  o.backend = "rules";
  o.rules = {{"^You kill", "helpful"}, {"gold pieces", "helpful"}, {"kill", "not_helpful"}};
  auto backend = spur::makeLabelBackend(o);
  CHECK(backend->model() == "rules");
  const auto cls = spur::loadPromptTemplate(kPrompts, "classify_score");
  const auto out = backend->annotate(cls, {{"You kill the newt!", {}}, {"12 gold pieces.", {}}, {"It tries to kill you.", {}}, {"Hello.", {}}});
  REQUIRE(out.size() == 4);
  CHECK(out[0].label == Label::kHelpful);
  CHECK(out[1].label == Label::kHelpful);
  CHECK(out[2].label == Label::kNotHelpful);
  CHECK(out[3].label == Label::kNotHelpful);  // rules_default
  const auto rank = spur::loadPromptTemplate(kPrompts, "rank_score");
  const auto pairs = backend->annotate(rank, {{"Hello.", std::string("12 gold pieces.")}, {"You kill it!", std::string("Hi.")}, {"a", std::string("b")}});
  CHECK(pairs[0].label == Label::kSecond);
  CHECK(pairs[1].label == Label::kFirst);
  CHECK(pairs[2].label == Label::kTie);
}

TEST_CASE("rules backend: bad rules and unknown backends are refused with the key") {
  spur::LlmOptions o;
  o.rules = {{"(unclosed", "helpful"}};
  CHECK(errorOf([&] { spur::makeLabelBackend(o); }).find("llm.rules[0].pattern") != std::string::npos);
  o.rules = {{"x", "maybe"}};
  CHECK(errorOf([&] { spur::makeLabelBackend(o); }).find("llm.rules[0].label") != std::string::npos);
  o.rules = {};
  o.backend = "telepathy";
  CHECK(errorOf([&] { spur::makeLabelBackend(o); }).find("valid: openai, rules") != std::string::npos);
  o.backend = "openai";
  o.openai.api = "smoke-signals";
  CHECK(errorOf([&] { spur::makeLabelBackend(o); }).find("llm.openai.api") != std::string::npos);
}
