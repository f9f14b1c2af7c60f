// bench/alfworld_sizes: the sizes ALFWorld games need from the env's fixed-width buffers,
// measured over a directory of games (e.g. `spur alfworld-generate --out DIR --games 1000`, or
// ALFWorld's json_2.1.1/train): the most admissible commands in one state (the candidate
// slots, env.alfworld.max_candidates), the longest feedback in bytes and in words (the
// "feedback" and "text_tokens" observations), the longest task text, the most words in one
// command ("candidate_tokens" per slot).
//   states: per game, the reset; each state of the walkthrough; for every receptacle, going
//     there from the start, opening it when it opens, and taking each object found there
//     (a room's largest lists are at a crowded receptacle with empty hands); then --steps
//     uniformly random commands (mt19937_64 seeded per game, a reset after a win).
// Prints one table and `RESULT max_admissible=A max_feedback_bytes=F max_feedback_words=W`.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "core/status.h"
#include "envs/alfworld/game.h"
#include "envs/text/text_tokens.h"

namespace {

namespace fs = std::filesystem;
using namespace spur;

std::size_t words(const std::string& text) { return hashTextTokens(text, std::span<int32_t>()); }  // counts, writes none

// The largest value seen and where.
struct Max {
  std::size_t value = 0;
  std::string where;
  void see(std::size_t v, const std::string& at) {
    if (v > value) {
      value = v;
      where = at;
    }
  }
};

struct Sizes {
  Max admissible, feedback_bytes, feedback_words, task_bytes, task_words, command_words;
  int64_t states = 0;

  void see(const alfworld::GameSession& s, const std::string& game) {
    ++states;
    admissible.see(s.admissibleCommands().size(), game);
    feedback_bytes.see(s.feedback().size(), game);
    feedback_words.see(words(s.feedback()), game);
    for (const auto& c : s.admissibleCommands()) command_words.see(words(c), game);
  }
};

void measure(const std::string& path, int steps, Sizes& sizes) {
  const auto game = alfworld::GameDefinition::load(path);
  sizes.task_bytes.see(game->taskText().size(), path);
  sizes.task_words.see(words(game->taskText()), path);
  alfworld::GameSession s(game);
  s.reset();
  sizes.see(s, path);
  for (const auto& c : game->walkthrough()) {
    s.step(c);
    sizes.see(s, path);
  }
  s.reset();
  const std::vector<std::string> start = s.admissibleCommands();
  for (const auto& go : start) {
    if (go.rfind("go to ", 0) != 0) continue;
    const std::string receptacle = go.substr(6);
    s.reset();
    s.step(go);
    sizes.see(s, path);
    bool valid = false;
    s.step("open " + receptacle, &valid);
    if (valid) sizes.see(s, path);
    const std::vector<std::string> here = s.admissibleCommands();
    for (const auto& take : here) {
      if (take.rfind("take ", 0) != 0) continue;
      s.step(take);
      sizes.see(s, path);
      s.reset();
      s.step(go);
      s.step("open " + receptacle);
    }
  }
  uint64_t seed = 1469598103934665603ull;  // FNV-1a of the path: the same walk on every machine
  for (unsigned char c : path) seed = (seed ^ c) * 1099511628211ull;
  std::mt19937_64 rng(seed);  // its raw output is fixed by the standard (distributions are not)
  s.reset();
  for (int k = 0; k < steps; ++k) {
    const auto& adm = s.admissibleCommands();
    s.step(adm[rng() % adm.size()]);
    sizes.see(s, path);
    if (s.won()) s.reset();
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ALFWorld: the most admissible commands, the longest feedback and task texts over a directory of games"};
  std::string data;
  int steps = 200;
  app.add_option("--data", data, "Directory searched recursively for game.tw-pddl files")->required();
  app.add_option("--steps", steps, "Random commands per game after the scripted states")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    std::vector<std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(data))
      if (e.path().filename() == "game.tw-pddl") files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    if (files.empty()) throw Error(StatusCode::kNotFound, data + ": no game.tw-pddl files");
    Sizes sizes;
    for (const auto& f : files) measure(f, steps, sizes);
    std::printf("%zu games, %lld states\n", files.size(), static_cast<long long>(sizes.states));
    std::printf("%-34s %8s  %s\n", "largest", "value", "game");
    auto row = [](const char* name, const Max& m) { std::printf("%-34s %8zu  %s\n", name, m.value, m.where.c_str()); };
    row("admissible commands in a state", sizes.admissible);
    row("feedback bytes", sizes.feedback_bytes);
    row("feedback words", sizes.feedback_words);
    row("task bytes", sizes.task_bytes);
    row("task words", sizes.task_words);
    row("words in a command", sizes.command_words);
    std::printf("RESULT max_admissible=%zu max_feedback_bytes=%zu max_feedback_words=%zu\n", sizes.admissible.value, sizes.feedback_bytes.value,
                sizes.feedback_words.value);
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
  return 0;
}
