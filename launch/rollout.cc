#include "launch/rollout.h"

#include <spdlog/spdlog.h>
#include <xxhash.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "core/config.h"
#include "core/status.h"
#include "actors/message_counter.h"
#include "envs/alfworld/game.h"
#include "envs/nethack/nethack_env.h"
#include "launch/spur_config.h"

namespace spur {
namespace {

struct RolloutArgs {
  std::string env = "nethack";
  std::string task;
  std::string actions;
  std::string seed;
  std::string action_file;
  int64_t random_steps = -1;
  std::string out;
  std::string config;
  std::vector<std::string> overrides;
  std::string game;            // alfworld
  std::string names = "alfred";  // alfworld
};

NleSeeds parseSeeds(const std::string& text) {
  std::vector<uint64_t> parts;
  std::stringstream ss(text);
  for (std::string p; std::getline(ss, p, ',');) {
    try {
      std::size_t used = 0;
      if (p.empty() || p[0] == '-') throw std::invalid_argument("negative");
      parts.push_back(std::stoull(p, &used));
      if (used != p.size()) throw std::invalid_argument("junk");
    } catch (const std::exception&) {
      throw Error(StatusCode::kInvalidArgument, "--seed '" + text + "': '" + p + "' is not a non-negative integer (expected CORE,DISP[,LGEN])");
    }
  }
  if (parts.size() < 2 || parts.size() > 3)
    throw Error(StatusCode::kInvalidArgument, "--seed '" + text + "': expected CORE,DISP or CORE,DISP,LGEN");
  NleSeeds s{parts[0], parts[1], false, std::nullopt};
  if (parts.size() == 3) s.lgen = parts[2];
  return s;
}

std::vector<int64_t> readActionFile(const std::string& path, int64_t num_actions) {
  std::ifstream in(path);
  if (!in) throw Error(StatusCode::kNotFound, "--action-file " + path + ": cannot open");
  std::vector<int64_t> actions;
  std::string line;
  for (int lineno = 1; std::getline(in, line); ++lineno) {
    std::stringstream ss(line);
    for (std::string tok; ss >> tok;) {
      if (tok[0] == '#') break;
      std::size_t used = 0;
      int64_t a = -1;
      try {
        a = std::stoll(tok, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != tok.size() || a < 0 || a >= num_actions)
        throw Error(StatusCode::kInvalidArgument, path + ":" + std::to_string(lineno) + ": '" + tok + "' is not an action index in [0, " + std::to_string(num_actions) + ")");
      actions.push_back(a);
    }
  }
  return actions;
}

// ALFWorld: the game as TextWorld's PddlEnv plays it (no step cap): one line for the reset,
// then one per command. Action files hold one command per line, played as written.
void runAlfworldRollout(const RolloutArgs& args) {
  if (args.game.empty()) throw Error(StatusCode::kInvalidArgument, "rollout --env alfworld needs --game PATH (a game.tw-pddl file)");
  if (!args.task.empty() || !args.actions.empty()) throw Error(StatusCode::kInvalidArgument, "--task and --actions are NetHack options");
  if (args.names != "alfred" && args.names != "ids") throw Error(StatusCode::kInvalidArgument, "--names: expected alfred or ids, got '" + args.names + "'");
  auto game = alfworld::GameDefinition::load(args.game, args.names == "ids" ? alfworld::NameStyle::kIds : alfworld::NameStyle::kAlfred);
  alfworld::GameSession session(game);
  std::vector<std::string> commands;
  if (!args.action_file.empty()) {
    std::ifstream in(args.action_file);
    if (!in) throw Error(StatusCode::kNotFound, "--action-file " + args.action_file + ": cannot open");
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) commands.push_back(line);
  }
  uint64_t seed = 0;
  if (!args.seed.empty()) {
    try {
      std::size_t used = 0;
      seed = std::stoull(args.seed, &used);
      if (used != args.seed.size() || args.seed[0] == '-') throw std::invalid_argument("junk");
    } catch (const std::exception&) {
      throw Error(StatusCode::kInvalidArgument, "--seed '" + args.seed + "': expected a non-negative integer for --env alfworld");
    }
  }
  std::ofstream out(args.out);
  if (!out) throw Error(StatusCode::kInvalidArgument, "--out " + args.out + ": cannot open for writing");
  auto write = [&](const nlohmann::json& line) { out << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n'; };
  session.reset();
  write({{"step", 0}, {"observation", session.feedback()}, {"admissible", session.admissibleCommands()}, {"won", session.won()}, {"moves", session.moves()},
         {"task", game->taskText()}});
  std::mt19937_64 rng(seed);
  const int64_t total = args.action_file.empty() ? args.random_steps : static_cast<int64_t>(commands.size());
  int64_t played = 0;
  for (int64_t i = 0; i < total && !session.won(); ++i) {
    std::string command;
    if (!args.action_file.empty()) {
      command = commands[static_cast<std::size_t>(i)];
    } else {
      const auto& adm = session.admissibleCommands();
      if (adm.empty()) break;
      command = adm[std::uniform_int_distribution<std::size_t>(0, adm.size() - 1)(rng)];
    }
    bool valid = false;
    session.step(command, &valid);
    ++played;
    write({{"step", i + 1}, {"action", command}, {"valid", valid}, {"observation", session.feedback()}, {"admissible", session.admissibleCommands()},
           {"reward", session.won() ? 1 : 0}, {"won", session.won()}, {"moves", session.moves()}});
  }
  out.flush();
  if (!out) throw Error(StatusCode::kDataLoss, "--out " + args.out + ": write failed");
  spdlog::info("rollout: {} commands, won={}, written to {}", played, session.won(), args.out);
}

void runRollout(const RolloutArgs& args) {
  if (args.env == "alfworld") return runAlfworldRollout(args);
  if (!args.game.empty()) throw Error(StatusCode::kInvalidArgument, "--game is an ALFWorld option (--env alfworld)");
  if (args.seed.empty()) throw Error(StatusCode::kInvalidArgument, "rollout --env nethack needs --seed CORE,DISP[,LGEN]");
  std::vector<std::string> overrides = args.overrides;
  if (!args.task.empty()) overrides.insert(overrides.begin(), "env.nethack.task=" + args.task);
  if (!args.actions.empty()) overrides.insert(overrides.begin(), "env.nethack.actions=" + args.actions);
  SpurConfig cfg = config::load<SpurConfig>(args.config, overrides);
  const NetHackOptions opts = envSection<NetHackOptions>(cfg.env, "nethack");
  NetHackEnv env(opts);
  MessageCounter counter;  // per episode, as the actor counts
  const NleSeeds seeds = parseSeeds(args.seed);

  std::vector<int64_t> actions;
  if (!args.action_file.empty()) {
    actions = readActionFile(args.action_file, env.actionSpace().size());
  } else {
    std::mt19937_64 rng(seeds.core);
    std::uniform_int_distribution<int64_t> pick(0, env.actionSpace().size() - 1);
    for (int64_t i = 0; i < args.random_steps; ++i) actions.push_back(pick(rng));
  }

  std::ofstream out(args.out);
  if (!out) throw Error(StatusCode::kInvalidArgument, "--out " + args.out + ": cannot open for writing");

  // Episode k is seeded with (core+k, disp+k, lgen+k): reproducible and distinct.
  auto episodeSeeds = [&](int64_t k) {
    NleSeeds s = seeds;
    s.core += static_cast<uint64_t>(k);
    s.disp += static_cast<uint64_t>(k);
    if (s.lgen) *s.lgen += static_cast<uint64_t>(k);
    return s;
  };
  int64_t episode = 0;
  env.resetWithSeeds(episodeSeeds(episode));
  counter.count(env.message());
  const std::size_t glyph_bytes = nle::kMapRows * nle::kMapCols * sizeof(int16_t);
  for (std::size_t i = 0; i < actions.size(); ++i) {
    const int64_t a = actions[i];
    const StepResult r = env.step(a);
    nlohmann::json line;
    line["episode"] = episode;
    line["step"] = i;
    line["episode_step"] = env.episodeSteps();
    line["action"] = a;
    line["key"] = env.actionKey(a);
    line["reward"] = r.reward;
    line["done"] = r.done;
    line["truncated"] = r.truncated;
    line["end_status"] = static_cast<int>(r.end_status);
    line["message"] = std::string(env.message());
    line["message_count"] = counter.count(env.message());
    line["blstats"] = std::vector<long>(env.blstats(), env.blstats() + nle::kBlstatsSize);
    char hash[17];
    std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(XXH3_64bits(env.glyphs(), glyph_bytes)));
    line["glyphs_xxh3"] = hash;
    out << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    if (r.done) {
      env.resetWithSeeds(episodeSeeds(++episode));
      counter.reset();
      counter.count(env.message());
    }
  }
  out.flush();
  if (!out) throw Error(StatusCode::kDataLoss, "--out " + args.out + ": write failed");
  spdlog::info("rollout: {} steps, {} episodes finished, written to {}", actions.size(), episode, args.out);
}

}  // namespace

void addRolloutCommand(CLI::App& app) {
  auto args = std::make_shared<RolloutArgs>();
  CLI::App* cmd = app.add_subcommand("rollout", "Play an env with given or random actions; write one JSON line per step");
  cmd->add_option("--env", args->env, "Environment")->check(CLI::IsMember({"nethack", "alfworld"}))->capture_default_str();
  cmd->add_option("--game", args->game, "ALFWorld: the game.tw-pddl file to play");
  cmd->add_option("--names", args->names, "ALFWorld: display names, alfred (\"countertop 1\") or ids (PDDL ids)")->capture_default_str();
  cmd->add_option("--task", args->task, "NetHack task: " + netHackTaskNames());
  cmd->add_option("--actions", args->actions, "Action set: " + actionSetNames() + " (default: the task's)");
  cmd->add_option("--seed", args->seed, "NetHack: seeds CORE,DISP[,LGEN], episode k uses each + k; ALFWorld: the --random RNG seed (default 0)");
  auto* file = cmd->add_option("--action-file", args->action_file, "NetHack: action indices (whitespace separated, # comments); ALFWorld: one command per line");
  auto* random = cmd->add_option("--random", args->random_steps, "Take N uniformly random actions (NetHack: RNG seeded with CORE; ALFWorld: random admissible commands)")->check(CLI::NonNegativeNumber);
  file->excludes(random);
  cmd->add_option("--out", args->out, "Output JSONL file")->required();
  cmd->add_option("--config", args->config, "YAML config for the env section (optional)");
  cmd->add_option("OVERRIDES", args->overrides, "Config overrides a.b.c=value");
  cmd->callback([args, file, random] {
    if (file->count() == 0 && random->count() == 0) throw Error(StatusCode::kInvalidArgument, "rollout needs --action-file F or --random N");
    runRollout(*args);
  });
}

}  // namespace spur
