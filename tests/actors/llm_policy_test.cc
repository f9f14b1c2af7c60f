// The LLM policy's answer reading and its prompt file checks (the policy against a real
// llama.cpp server runs in tests/launch/train_test.py, case alfworld).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "actors/llm_policy.h"
#include "core/status.h"

using namespace spur;

TEST_CASE("llm policy: answers map to candidates after the action prefix, case and punctuation aside") {
  const std::vector<std::string> c{"go to cabinet 1", "go to cabinet 10", "take apple 1 from countertop 1", "look"};
  CHECK(matchCandidate("Action: go to cabinet 1", c, "Action:") == 0);
  CHECK(matchCandidate("I should open it.\nAction: Go to Cabinet 10.", c, "Action:") == 1);
  CHECK(matchCandidate("Think: the apple is here.\naction:  \"take apple 1 from countertop 1\"\nObservation: ...", c, "Action:") == 2);
  CHECK(matchCandidate("look", c, "Action:") == 3);  // no prefix: the whole first line
  CHECK(matchCandidate("Action: `look`", c, "Action:") == 3);
  CHECK(matchCandidate("Action: go to cabinet", c, "Action:") == -1);   // not a prefix match
  CHECK(matchCandidate("Action: open the fridge", c, "Action:") == -1);
  CHECK(matchCandidate("", c, "Action:") == -1);
  // The last prefix counts (a model that repeats the format).
  CHECK(matchCandidate("Action: look\nAction: go to cabinet 1", c, "Action:") == 0);
}

TEST_CASE("llm policy: prompt files are checked") {
  const auto dir = std::filesystem::temp_directory_path() / "spur-policy-prompts";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "ok.yaml") << "kind: policy\nsystem: s\nuser: \"{task} {history} {commands}\"\n";
  std::ofstream(dir / "missing.yaml") << "kind: policy\nuser: \"{task} {history}\"\n";
  std::ofstream(dir / "kind.yaml") << "kind: classification\nuser: \"{task} {history} {commands}\"\n";
  std::ofstream(dir / "key.yaml") << "kind: policy\nuser: \"{task} {history} {commands}\"\ntemperature: 3\n";
  CHECK(loadPolicyPrompt(dir.string(), "ok").action_prefix == "Action:");
  CHECK_THROWS_WITH_AS(loadPolicyPrompt(dir.string(), "missing"), doctest::Contains("lacks {commands}"), Error);
  CHECK_THROWS_WITH_AS(loadPolicyPrompt(dir.string(), "kind"), doctest::Contains("expected policy"), Error);
  CHECK_THROWS_WITH_AS(loadPolicyPrompt(dir.string(), "key"), doctest::Contains("temperature: unknown key"), Error);
  CHECK_THROWS_WITH_AS(loadPolicyPrompt(dir.string(), "nope"), doctest::Contains("no such policy prompt"), Error);
  // The shipped prompt loads.
  CHECK(loadPolicyPrompt(std::string(SPUR_TEST_REPO) + "/configs/prompts", "policy_react").user.find("{commands}") != std::string::npos);
}

TEST_CASE("llm policy: turn prompts (envs with text turns) need {task} and {context}; stop strings load") {
  const auto dir = std::filesystem::temp_directory_path() / "spur-turn-prompts";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "turn.yaml") << "kind: turn_policy\nuser: \"{task} {context}\"\nstop: [\"</search>\", \"</answer>\"]\n";
  std::ofstream(dir / "nocontext.yaml") << "kind: turn_policy\nuser: \"{task}\"\n";
  std::ofstream(dir / "badstop.yaml") << "kind: turn_policy\nuser: \"{task} {context}\"\nstop: \"</search>\"\n";
  const PolicyPrompt p = loadPolicyPrompt(dir.string(), "turn");
  CHECK(p.kind == "turn_policy");
  CHECK(p.stop == std::vector<std::string>{"</search>", "</answer>"});
  CHECK_THROWS_WITH_AS(loadPolicyPrompt(dir.string(), "nocontext"), doctest::Contains("lacks {context}"), Error);
  CHECK_THROWS_WITH_AS(loadPolicyPrompt(dir.string(), "badstop"), doctest::Contains("stop: expected a list"), Error);
  const PolicyPrompt shipped = loadPolicyPrompt(std::string(SPUR_TEST_REPO) + "/configs/prompts", "policy_search");
  CHECK(shipped.kind == "turn_policy");
  CHECK(shipped.stop.size() == 3);
}

TEST_CASE("llm policy: the closing tag a server drops with its stop string is restored") {
  const std::vector<std::string> stop{"</search>", "</answer>", "</judge>"};
  CHECK(restoreStopTag("<think>x</think>\n<search>Kelvar Press", stop) == "<think>x</think>\n<search>Kelvar Press</search>");
  CHECK(restoreStopTag("<answer>1843", stop) == "<answer>1843</answer>");
  CHECK(restoreStopTag("<judge>Yes", stop) == "<judge>Yes</judge>");
  CHECK(restoreStopTag("<search>a</search> and done", stop) == "<search>a</search> and done");  // nothing open
  CHECK(restoreStopTag("no tags", stop) == "no tags");
  CHECK(restoreStopTag("<search>a</search><answer>b", stop) == "<search>a</search><answer>b</answer>");
}
