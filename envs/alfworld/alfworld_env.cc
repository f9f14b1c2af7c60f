#include "envs/alfworld/alfworld_env.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <list>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <unordered_map>

#include "core/config.h"
#include "core/status.h"
#include "envs/alfworld/generator.h"
#include "envs/env_registry.h"
#include "envs/text/text_observations.h"
#include "envs/text/text_tokens.h"

namespace spur {
namespace {

namespace fs = std::filesystem;

// Task 256 bytes, feedback 1536, task tokens 24, feedback tokens 256, 12 per command: over
// 2 x 1,000 generated games (`./spur bench alfworld_sizes`) the longest feedback is 911 bytes
// and 193 words, the longest task 54 bytes and 8 words, the longest command 6 words (7 in
// ALFWorld's own games of tests/data). Longer texts are cut and counted (truncated_text).
constexpr TextObservationSizes kSizes{256, 1536, 24, 256, 12};

alfworld::NameStyle nameStyle(const std::string& names) {
  if (names == "alfred") return alfworld::NameStyle::kAlfred;
  if (names == "ids") return alfworld::NameStyle::kIds;
  throw Error(StatusCode::kInvalidArgument, "env.alfworld.names: expected one of alfred, ids, got '" + names + "'");
}

std::string taskTypeOf(const fs::path& game) {
  const fs::path traj = game.parent_path() / "traj_data.json";
  if (fs::exists(traj)) {
    std::ifstream in(traj);
    try {
      const auto j = nlohmann::json::parse(in);
      if (j.contains("task_type") && j["task_type"].is_string()) return j["task_type"].get<std::string>();
    } catch (const nlohmann::json::exception&) {
      // fall through to the directory name
    }
  }
  for (fs::path dir = game.parent_path(); !dir.empty() && dir != dir.root_path(); dir = dir.parent_path()) {
    const std::string name = dir.filename().string();
    for (const auto& t : alfworldTaskTypes())
      if (name.rfind(t + "-", 0) == 0 || name == t) return t;
  }
  return "unknown";
}

// Compiled games shared by the envs of a process: parsing and grounding a game takes
// milliseconds, replaying it from memory microseconds.
std::shared_ptr<const alfworld::GameDefinition> cachedGame(const std::string& path, alfworld::NameStyle names, std::size_t capacity) {
  static std::mutex mu;
  static std::list<std::string> order;  // most recent first
  static std::unordered_map<std::string, std::pair<std::shared_ptr<const alfworld::GameDefinition>, std::list<std::string>::iterator>> games;
  const std::string key = path + (names == alfworld::NameStyle::kIds ? "\x01ids" : "\x01alfred");
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = games.find(key);
    if (it != games.end()) {
      order.splice(order.begin(), order, it->second.second);
      return it->second.first;
    }
  }
  auto game = alfworld::GameDefinition::load(path, names);  // outside the lock: slow
  std::lock_guard<std::mutex> lock(mu);
  if (!games.count(key)) {
    order.push_front(key);
    games[key] = {game, order.begin()};
    while (games.size() > std::max<std::size_t>(capacity, 1)) {
      games.erase(order.back());
      order.pop_back();
    }
  }
  return game;
}

uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

const std::vector<std::string>& alfworldTaskTypes() {
  static const std::vector<std::string> kTypes{"pick_and_place_simple",          "look_at_obj_in_light",
                                               "pick_clean_then_place_in_recep", "pick_heat_then_place_in_recep",
                                               "pick_cool_then_place_in_recep",  "pick_two_obj_and_place"};
  return kTypes;
}

EnvSpec alfworldEnvSpec(const AlfworldOptions& o) {
  nameStyle(o.names);
  if (o.game_order != "random" && o.game_order != "cycle")
    throw Error(StatusCode::kInvalidArgument, "env.alfworld.game_order: expected one of random, cycle, got '" + o.game_order + "'");
  if (o.max_steps < 1) throw Error(StatusCode::kInvalidArgument, "env.alfworld.max_steps must be >= 1");
  if (o.max_candidates < 2) throw Error(StatusCode::kInvalidArgument, "env.alfworld.max_candidates must be >= 2");
  if (o.data_dir.empty() && o.games.empty())
    throw Error(StatusCode::kInvalidArgument, "env.alfworld: set data_dir (a directory of game.tw-pddl files, e.g. from `spur alfworld-generate`) or games");
  for (const auto& t : o.task_types)
    if (std::find(alfworldTaskTypes().begin(), alfworldTaskTypes().end(), t) == alfworldTaskTypes().end())
      throw Error(StatusCode::kInvalidArgument, "env.alfworld.task_types: unknown task type '" + t + "' (valid: " + config::detail::join(alfworldTaskTypes()) + ")");
  return textCandidateEnvSpec(kSizes, o.max_candidates);
}

std::vector<AlfworldGameFile> findAlfworldGames(const AlfworldOptions& o) {
  std::vector<AlfworldGameFile> files;
  auto keep = [&](const fs::path& p) {
    AlfworldGameFile f{p.string(), taskTypeOf(p)};
    if (!o.task_types.empty() && std::find(o.task_types.begin(), o.task_types.end(), f.task_type) == o.task_types.end()) return;
    files.push_back(std::move(f));
  };
  if (!o.data_dir.empty()) {
    std::error_code ec;
    if (!fs::is_directory(o.data_dir, ec))
      throw Error(StatusCode::kNotFound, "env.alfworld.data_dir: '" + o.data_dir + "' is not a directory (generate games with `spur alfworld-generate --out DIR`)");
    for (auto it = fs::recursive_directory_iterator(o.data_dir, fs::directory_options::follow_directory_symlink, ec); it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (ec) break;
      const std::string name = it->path().filename().string();
      if (it->is_directory() && (name.find("movable") != std::string::npos || name.find("Sliced") != std::string::npos)) {
        it.disable_recursion_pending();
        continue;
      }
      if (name == "game.tw-pddl" && it->is_regular_file()) keep(it->path());
    }
  }
  for (const auto& g : o.games) {
    if (!fs::is_regular_file(g)) throw Error(StatusCode::kNotFound, "env.alfworld.games: '" + g + "' is not a file");
    keep(g);
  }
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  if (files.empty())
    throw Error(StatusCode::kNotFound, "env.alfworld: no game.tw-pddl files" + (o.data_dir.empty() ? std::string() : " under '" + o.data_dir + "'") +
                                           (o.task_types.empty() ? "" : " of the requested task types"));
  return files;
}

void prepareAlfworldGames(const AlfworldOptions& o) {
  if (o.generate_games <= 0) return;
  if (o.data_dir.empty()) throw Error(StatusCode::kInvalidArgument, "env.alfworld.generate_games needs env.alfworld.data_dir (where to write the games)");
  std::error_code ec;
  if (fs::exists(o.data_dir, ec)) {
    if (!fs::is_directory(o.data_dir, ec)) throw Error(StatusCode::kInvalidArgument, "env.alfworld.data_dir: '" + o.data_dir + "' is not a directory");
    for (auto it = fs::recursive_directory_iterator(o.data_dir, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      if (it->path().filename() == "game.tw-pddl") return;  // already there
    }
    // Never write into (or replace) a directory that holds something else.
    if (!fs::is_empty(o.data_dir, ec))
      throw Error(StatusCode::kInvalidArgument, "env.alfworld.data_dir: '" + o.data_dir +
                                                    "' holds no game.tw-pddl but is not empty; generate_games writes only into a new or empty directory");
  }
  spdlog::info("alfworld: generating {} games into {} (seed {}, split {})", o.generate_games, o.data_dir, o.generate_seed, o.generate_split);
  alfworld::GenerateOptions g;
  g.games = o.generate_games;
  g.seed = o.generate_seed;
  g.split = o.generate_split;
  g.task_types = o.task_types;
  const auto games = alfworld::generateAlfworldGames(alfworld::loadAlfworldPackage(), g);
  // Written to a temporary directory and renamed, so that an interrupted run leaves no
  // half-filled data_dir that the next run would take as complete.
  const fs::path tmp = fs::path(o.data_dir).string() + ".partial";
  fs::remove_all(tmp);
  for (const auto& game : games) {
    fs::create_directories(tmp / game.directory);
    std::ofstream(tmp / game.directory / "game.tw-pddl") << game.game_json;
    std::ofstream(tmp / game.directory / "traj_data.json") << game.traj_json;
  }
  if (fs::exists(o.data_dir)) fs::remove(o.data_dir);  // empty (checked above)
  if (fs::path(o.data_dir).has_parent_path()) fs::create_directories(fs::path(o.data_dir).parent_path());
  fs::rename(tmp, o.data_dir);
}

AlfworldEnv::AlfworldEnv(const AlfworldOptions& options)
    : o_(options),
      spec_(alfworldEnvSpec(options)),
      names_(nameStyle(options.names)),
      files_(findAlfworldGames(options)),
      obs_(kSizes, options.max_candidates) {
  skip_.assign(files_.size(), 0);
}

void AlfworldEnv::reset(std::optional<uint64_t> seed) {
  const auto n = static_cast<uint64_t>(files_.size());
  // A seed picks the game (so a seeded episode is reproducible); without one the env walks
  // its files in order.
  uint64_t pick = !seed ? cycle_++ % n : o_.game_order == "cycle" ? *seed % n : mix(*seed) % n;
  bool found = false;
  for (uint64_t tries = 0; tries < n && !found; ++tries, pick = (pick + 1) % n) {
    if (skip_[pick]) continue;
    std::shared_ptr<const alfworld::GameDefinition> game;
    try {
      game = cachedGame(files_[pick].path, names_, static_cast<std::size_t>(o_.cache_games));
    } catch (const Error& e) {
      // A malformed game is skipped, said once with its reason, and never loaded again: one
      // bad file in a data set of thousands must not stop a run.
      spdlog::error("alfworld: skipping a game that cannot be played: {}", e.what());
      skip_[pick] = 1;
      continue;
    }
    if (o_.require_solvable && !game->solvable()) {
      spdlog::warn("alfworld: skipping {}: \"solvable\" is not true", files_[pick].path);
      skip_[pick] = 1;
      continue;
    }
    current_ = static_cast<int64_t>(pick);
    session_ = std::make_unique<alfworld::GameSession>(std::move(game));
    found = true;
  }
  if (!found)
    throw Error(StatusCode::kNotFound, "env.alfworld: no playable game among " + std::to_string(n) +
                                           " files (malformed files are skipped, and so are files whose \"solvable\" is not true unless require_solvable is false)");
  session_->reset();
  steps_ = invalid_ = truncated_ = 0;
  admissible_sum_ = 0;
  task_cut_ = obs_.setTask(session_->game().taskText());
  publish();
}

void AlfworldEnv::publish() {
  const std::string& text = session_->feedback();
  message_ = "Task: " + session_->game().taskText() + "\nObservation: " + text;
  if (obs_.setFeedback(text) || task_cut_) ++truncated_;
  const auto& admissible = session_->admissibleCommands();
  // Offering only the first max_candidates would drop the sorted tail (take, use, ...) that a
  // task may need, and the policy could never win; that is a configuration error, not
  // something to warn about and play on.
  if (admissible.size() > static_cast<std::size_t>(o_.max_candidates))
    throw Error(StatusCode::kFailedPrecondition, "env.alfworld: " + std::to_string(admissible.size()) + " admissible commands in " + currentGame().path +
                                                     " (after " + std::to_string(steps_) + " steps) exceed env.alfworld.max_candidates (" +
                                                     std::to_string(o_.max_candidates) +
                                                     "): raise it (`./spur bench alfworld_sizes --data DIR` measures a game set)");
  candidates_.assign(admissible.begin(), admissible.end());
  obs_.setCandidates(candidates_.size(), [&](std::size_t i) { return candidates_[i]; });
  admissible_sum_ += static_cast<double>(candidates_.size());
}

StepResult AlfworldEnv::step(int64_t action) {
  if (!session_) throw Error(StatusCode::kFailedPrecondition, "AlfworldEnv: step() before reset()");
  if (action < 0 || action >= static_cast<int64_t>(candidates_.size()))
    throw Error(StatusCode::kInvalidArgument, "AlfworldEnv: action " + std::to_string(action) + " is not one of the " + std::to_string(candidates_.size()) + " admissible commands");
  session_->step(candidates_[static_cast<std::size_t>(action)]);
  return finishStep();
}

StepResult AlfworldEnv::stepInvalid() {
  if (!session_) throw Error(StatusCode::kFailedPrecondition, "AlfworldEnv: step() before reset()");
  bool valid = true;
  session_->step("", &valid);  // matches no command: "Nothing happens.", state unchanged
  ++invalid_;
  return finishStep();
}

StepResult AlfworldEnv::finishStep() {
  ++steps_;
  StepResult r;
  if (session_->won()) {
    r.reward = 1.0;
    r.done = true;
    r.end_status = EndStatus::kTaskSuccessful;
  } else if (steps_ >= o_.max_steps) {
    r.done = true;
    r.truncated = true;
    r.end_status = EndStatus::kTimeLimit;
  }
  publish();
  return r;
}

TensorView AlfworldEnv::observation(std::size_t index) const { return obs_.view(spec_, index); }

std::vector<EpisodeMetric> AlfworldEnv::episodeMetrics() const {
  std::vector<EpisodeMetric> m;
  const bool won = session_ && session_->won();
  m.push_back({"success/" + currentGame().task_type, won ? 1.0 : 0.0});
  if (won) m.push_back({"steps_to_success", static_cast<double>(steps_)});
  m.push_back({"admissible", admissible_sum_ / static_cast<double>(steps_ + 1)});
  m.push_back({"invalid_actions", static_cast<double>(invalid_)});
  m.push_back({"truncated_text", static_cast<double>(truncated_)});
  return m;
}

SPUR_REGISTER_ENV({"alfworld", "ALFWorld's text games (TextWorld-identical native engine), admissible commands as candidate actions",
                   [](const EnvOptions& o) { return alfworldEnvSpec(envSection<AlfworldOptions>(o, "alfworld")); },
                   [](const EnvOptions& o, int) -> std::unique_ptr<Env> { return std::make_unique<AlfworldEnv>(envSection<AlfworldOptions>(o, "alfworld")); },
                   [](const EnvOptions& o) { prepareAlfworldGames(envSection<AlfworldOptions>(o, "alfworld")); }});

}  // namespace spur
