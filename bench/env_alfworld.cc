// bench/env_alfworld: spur's native ALFWorld engine against TextWorld's PddlEnv (the engine
// ALFWorld runs on), on the same generated games with the same commands, in one run.
//   games: `spur alfworld-generate` output (--games, seed --seed), all six task types
//   schedule: per game, a reset, then up to --steps commands (stop on won); command k is
//     admissible[splitmix64 % count], the RNG seeded per game, so both engines play exactly
//     the same commands; a digest over every text and admissible list must match.
//   reset: load the game file + reset (TextWorld re-translates the task with Fast Downward on
//     every reset; spur parses and grounds the file: both from cold), per game
//   steps/s: commands only, resets excluded, on one thread
// TextWorld runs in the reference venv (.venv-textworld, built by
// envs/alfworld/reference/make_venv.sh on first use, a few minutes).
// Prints one table and `RESULT steps_vs_textworld=X reset_vs_textworld=Y`.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "core/status.h"
#include "core/subprocess.h"
#include "envs/alfworld/game.h"
#include "envs/alfworld/generator.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace spur;

struct SplitMix64 {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
};

uint64_t fnv(uint64_t h, const std::string& text) {
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::string describe(const alfworld::GameSession& s) {
  std::string text = s.feedback() + "\n";
  const auto& adm = s.admissibleCommands();
  for (std::size_t i = 0; i < adm.size(); ++i) text += (i ? "\n" : "") + adm[i];
  return text;
}

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

struct SpurPass {
  int64_t steps = 0;
  double step_seconds = 0;
  uint64_t digest = 1469598103934665603ull;
};

// One pass of the schedule over loaded games (resets not timed).
SpurPass play(const std::vector<std::shared_ptr<const alfworld::GameDefinition>>& games, int64_t steps_per_game) {
  SpurPass p;
  for (std::size_t g = 0; g < games.size(); ++g) {
    alfworld::GameSession s(games[g]);
    s.reset();
    p.digest = fnv(p.digest, describe(s));
    SplitMix64 rng{g + 1};
    const auto t0 = Clock::now();
    for (int64_t k = 0; k < steps_per_game; ++k) {
      const auto& adm = s.admissibleCommands();
      const std::string cmd = adm[rng.next() % adm.size()];
      s.step(cmd);
      ++p.steps;
      p.digest = fnv(p.digest, describe(s));
      if (s.won()) break;
    }
    p.step_seconds += seconds(Clock::now() - t0);
  }
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ALFWorld engine steps/s and reset time: spur vs TextWorld PddlEnv, same games and commands"};
  int64_t num_games = 12, steps_per_game = 30;
  uint64_t seed = 777;
  double budget = 3.0;
  std::string tw_python = std::string(SPUR_BENCH_REPO) + "/.venv-textworld/bin/python";
  app.add_option("--games", num_games, "Generated games")->capture_default_str();
  app.add_option("--steps", steps_per_game, "Commands per game")->capture_default_str();
  app.add_option("--seed", seed, "Generator seed")->capture_default_str();
  app.add_option("--seconds", budget, "spur's timing budget per measurement")->capture_default_str();
  app.add_option("--textworld-python", tw_python, "Python of the TextWorld reference venv")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    if (!fs::exists(tw_python)) {
      std::printf("TextWorld reference venv missing (%s): building it with envs/alfworld/reference/make_venv.sh (Fast Downward compiles, minutes)\n", tw_python.c_str());
      std::fflush(stdout);
      SubprocessResult r;
      throwIfError(runSubprocess({std::string(SPUR_BENCH_REPO) + "/envs/alfworld/reference/make_venv.sh"}, &r));
    }
    const fs::path dir = fs::temp_directory_path() / ("spur-bench-alfworld-" + std::to_string(::getpid()));
    alfworld::GenerateOptions go;
    go.games = num_games;
    go.seed = seed;
    const auto generated = alfworld::generateAlfworldGames(alfworld::loadAlfworldPackage(), go);
    std::vector<std::string> paths;
    for (const auto& g : generated) {
      fs::create_directories(dir / g.directory);
      std::ofstream(dir / g.directory / "game.tw-pddl") << g.game_json;
      paths.push_back((dir / g.directory / "game.tw-pddl").string());
    }

    // spur, reset from cold: load (parse + ground) + reset, every game, repeated for the budget.
    int64_t resets = 0;
    double reset_seconds = 0;
    std::vector<std::shared_ptr<const alfworld::GameDefinition>> games;
    while (reset_seconds < budget || resets < static_cast<int64_t>(paths.size())) {
      for (const auto& p : paths) {
        const auto t0 = Clock::now();
        auto game = alfworld::GameDefinition::load(p);
        alfworld::GameSession s(game);
        s.reset();
        reset_seconds += seconds(Clock::now() - t0);
        ++resets;
        if (games.size() < paths.size()) games.push_back(std::move(game));
      }
    }
    // spur, reset of a game already compiled (what AlfworldEnv does for a game it has seen),
    // for information: TextWorld has no such path (every reset re-translates).
    int64_t warm_resets = 0;
    double warm_seconds = 0;
    while (warm_seconds < budget / 3) {
      for (const auto& g : games) {
        alfworld::GameSession s(g);
        const auto t0 = Clock::now();
        s.reset();
        warm_seconds += seconds(Clock::now() - t0);
        ++warm_resets;
      }
    }
    // spur, steps: the schedule, repeated for the budget; the first pass gives the digest.
    const SpurPass first = play(games, steps_per_game);
    SpurPass total = first;
    while (total.step_seconds < budget) {
      const SpurPass p = play(games, steps_per_game);
      total.steps += p.steps;
      total.step_seconds += p.step_seconds;
    }

    // TextWorld: one pass of the same schedule.
    std::vector<std::string> cmd{tw_python, std::string(SPUR_BENCH_REPO) + "/bench/env_alfworld_textworld.py", std::to_string(steps_per_game)};
    cmd.insert(cmd.end(), paths.begin(), paths.end());
    SubprocessResult r;
    throwIfError(runSubprocess(cmd, &r));
    const auto tw = nlohmann::json::parse(r.output.substr(r.output.rfind('{')));
    fs::remove_all(dir);

    char digest[17];
    std::snprintf(digest, sizeof digest, "%016llx", static_cast<unsigned long long>(first.digest));
    const bool same = tw["digest"].get<std::string>() == digest && tw["steps"].get<int64_t>() == first.steps;
    const double spur_steps = static_cast<double>(total.steps) / total.step_seconds;
    const double tw_steps = tw["steps"].get<double>() / tw["step_seconds"].get<double>();
    const double spur_reset_ms = 1000.0 * reset_seconds / static_cast<double>(resets);
    const double tw_reset_ms = 1000.0 * tw["reset_seconds"].get<double>() / tw["resets"].get<double>();
    std::printf("%zu generated games (seed %llu, six task types), %lld commands per game, same commands in both engines: %s (digest %s)\n", paths.size(),
                static_cast<unsigned long long>(seed), static_cast<long long>(steps_per_game), same ? "identical transcripts" : "TRANSCRIPTS DIFFER", digest);
    std::printf("%-52s %14s %14s %10s\n", "", "spur", "TextWorld", "ratio");
    std::printf("%-52s %14.0f %14.2f %10.0f\n", "steps/s (one env, one thread, resets excluded)", spur_steps, tw_steps, spur_steps / tw_steps);
    std::printf("%-52s %14.3f %14.1f %10.0f\n", "reset ms (load game file + reset, cold)", spur_reset_ms, tw_reset_ms, tw_reset_ms / spur_reset_ms);
    std::printf("%-52s %14.3f %14s\n", "reset ms, game already compiled (information)", 1000.0 * warm_seconds / static_cast<double>(warm_resets), "-");
    std::printf("%-52s %14lld %14lld\n", "commands timed", static_cast<long long>(total.steps), static_cast<long long>(tw["steps"].get<int64_t>()));
    std::printf("RESULT steps_vs_textworld=%.0f reset_vs_textworld=%.0f\n", spur_steps / tw_steps, tw_reset_ms / spur_reset_ms);
    return same ? 0 : 1;
  } catch (const Error& e) {
    std::fprintf(stderr, "bench env_alfworld: error: %s\n", e.what());
    return 2;
  }
}
