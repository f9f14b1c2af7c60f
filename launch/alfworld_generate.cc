#include "launch/alfworld_generate.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "core/status.h"
#include "envs/alfworld/generator.h"
#include "launch/cli_checks.h"

namespace spur {
namespace {

namespace fs = std::filesystem;

struct GenerateArgs {
  std::string out;
  int64_t games = 100;
  std::string task_types;
  uint64_t seed = 1;
  std::string split = "train";
  std::vector<std::string> exclude_dirs;
  std::string python;
};

void writeFile(const fs::path& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
  f.flush();
  if (!f) throw Error(StatusCode::kDataLoss, path.string() + ": write failed");
}

void runGenerate(const GenerateArgs& a) {
  alfworld::GenerateOptions o;
  o.games = a.games;
  o.seed = a.seed;
  o.split = a.split;
  std::stringstream ss(a.task_types);
  for (std::string t; std::getline(ss, t, ',');)
    if (!t.empty()) o.task_types.push_back(t);
  for (const auto& d : a.exclude_dirs)
    for (const auto& h : alfworld::existingProblemHashes(d)) o.exclude_hashes.insert(h);
  const alfworld::AlfworldPackage pkg = alfworld::loadAlfworldPackage(a.python);
  fs::create_directories(a.out);
  int64_t last_logged = 0;
  const auto games = alfworld::generateAlfworldGames(pkg, o, [&](int64_t done, int64_t total) {
    if (done == total || done - last_logged >= 100) {
      spdlog::info("alfworld-generate: {}/{} games", done, total);
      last_logged = done;
    }
  });
  std::map<std::string, int> per_type;
  for (const auto& g : games) {
    const fs::path dir = fs::path(a.out) / g.directory;
    fs::create_directories(dir);
    writeFile(dir / "game.tw-pddl", g.game_json);
    writeFile(dir / "traj_data.json", g.traj_json);
    ++per_type[g.task_type];
  }
  std::string summary;
  for (const auto& [t, n] : per_type) summary += (summary.empty() ? "" : ", ") + t + " " + std::to_string(n);
  spdlog::info("alfworld-generate: wrote {} games ({}) to {}, split {}, seed {}; each walkthrough replayed to a win in spur's engine", games.size(), summary, a.out,
               a.split, a.seed);
}

}  // namespace

void addAlfworldGenerateCommand(CLI::App& app) {
  auto a = std::make_shared<GenerateArgs>();
  CLI::App* cmd = app.add_subcommand("alfworld-generate", "Generate solvable ALFWorld games (game.tw-pddl + traj_data.json) from the alfworld package's scenes");
  cmd->add_option("--out", a->out, "Output directory")->required();
  cmd->add_option("--games", a->games, "Number of games")->check(atLeast(1))->capture_default_str();
  cmd->add_option("--task-types", a->task_types, "Comma-separated task types (default: all six, round robin)");
  cmd->add_option("--seed", a->seed, "Seed: different seeds give disjoint game sets")->capture_default_str();
  cmd->add_option("--split", a->split, "train, valid_seen (train rooms) or valid_unseen (held-out rooms: FloorPlan numbers ending in 5)")->capture_default_str();
  cmd->add_option("--exclude-dir", a->exclude_dirs, "Never emit a game already present in this directory (repeatable)");
  cmd->add_option("--python", a->python, "Python with the alfworld package (default: the project venv)");
  cmd->callback([a] { runGenerate(*a); });
}

}  // namespace spur
