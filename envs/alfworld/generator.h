// The ALFWorld game generator behind `spur alfworld-generate`: solvable games of the six task
// types in ALFWorld's file format (game.tw-pddl + traj_data.json), built from what the
// `alfworld` PyPI package ships (envs/alfworld/alfworld_package.py): the alfred domain and
// grammar, the 120 scene layouts (which object types a room has; its receptacles and their
// positions), the receptacle/object compatibility and capability tables, and the goal PDDL and
// task-text templates of goal_library.py.
//
// A game: a scene of the split's rooms, its receptacles (positions from the layout; types the
// layout lacks a position for get one), 1-3 instances of its pickable object types placed in
// compatible receptacles, the agent in the middle of the room. The task's object and
// receptacle are drawn among the combinations the scene allows (the appliance for
// clean/heat/cool present, a lamp inside a receptacle for look, two instances for pick-two);
// no target starts where the goal wants it, so the goal is false at reset. The walkthrough is
// a scripted expert's command list, replayed in spur's engine: a game is kept only if it wins.
//
// Splits: rooms whose number ends in 5 (FloorPlan5, 15, 25, 205, ...) are held out for
// valid_unseen; train and valid_seen use the others. Games are content-addressed (the hash of
// the problem text), and a generator run never emits the same problem twice; different seeds
// give disjoint sets (checked by the tests), and --exclude-dir drops games already present in
// another directory (e.g. train when generating eval games).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace spur::alfworld {

// What the alfworld package provides (alfworld_package.py's JSON).
struct AlfworldPackage {
  std::string root, domain, grammar, layouts;
  std::vector<std::string> objects, movable_receptacles, openable;
  std::map<std::string, std::vector<std::string>> receptacle_objects;  // receptacle type -> object types it holds
  std::map<std::string, std::vector<std::string>> action_objects;      // Heatable/Coolable/Cleanable/Toggleable/Sliceable -> types
  std::map<std::string, std::vector<int>> scene_types;                 // room type -> scene numbers
  std::map<std::string, std::vector<std::string>> goals_valid;         // task type -> room types
  struct Goal {
    std::string pddl;
    std::vector<std::string> templates;
  };
  std::map<std::string, Goal> goals;
};

// Runs envs/alfworld/alfworld_package.py with `python` (empty: $SPUR_PYTHON or the build's
// venv). Throws Error with the script's message when the package is missing, and naming the
// key when its output lacks a field or holds a wrong JSON type.
AlfworldPackage loadAlfworldPackage(const std::string& python = "");

struct GenerateOptions {
  int64_t games = 100;
  std::vector<std::string> task_types;  // empty: all six, round robin
  uint64_t seed = 1;
  std::string split = "train";          // train | valid_seen | valid_unseen
  std::set<std::string> exclude_hashes; // problem hashes not to emit
};

struct GeneratedGame {
  std::string task_type;
  std::string directory;  // "<task_type>-<Obj>-None-<Recep>-<scene>/trial_<hash>"
  std::string game_json;  // game.tw-pddl
  std::string traj_json;  // traj_data.json
  std::string hash;       // of the problem text
  std::vector<std::string> walkthrough;
};

// Generates options.games games (fewer only if the package's scenes cannot provide them:
// Error). progress(done, total) is called after each game. A scene layout file that is not
// the expected JSON, or a task type no room of the split hosts, is an Error naming it.
std::vector<GeneratedGame> generateAlfworldGames(const AlfworldPackage& package, const GenerateOptions& options,
                                                 const std::function<void(int64_t, int64_t)>& progress = {});

// The problem hashes of the games under `dir` (their traj_data.json "problem_hash").
std::set<std::string> existingProblemHashes(const std::string& dir);

}  // namespace spur::alfworld
