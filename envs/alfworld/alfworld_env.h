// AlfworldEnv: ALFWorld's text games (envs/alfworld/game.h, TextWorld-identical) behind the
// Env interface, as ALFWorld's AlfredTWEnv plays them: one game per episode from a set of
// game.tw-pddl files, the task text, the feedback of each step, the admissible commands as
// candidate actions (sorted; the rest of the max_candidates slots masked; a state with more
// admissible commands than slots is an Error from reset/step, naming the game), reward = score
// (1 on the step that wins), done on won, truncated at max_steps (50, invalid steps counted;
// with candidate actions every step is valid).
//
// Observations: "task" [256] and "feedback" [1536] (text, uint8, zero-padded, cut on a UTF-8
// character boundary), and their hashed word tokens for neural policies
// (envs/text/text_tokens.h): "task_tokens" [24], "text_tokens" [256] (the feedback),
// "candidate_tokens" [max_candidates, 12]; sized from the longest texts of generated games.
// Episode metrics: success/<task type> (0/1, so its mean is the per-type success rate),
// steps_to_success (only for won episodes), admissible (mean candidate count),
// invalid_actions (answers that matched no command: stepInvalid()), truncated_text (the
// episode's observations, the reset's included, whose task or feedback was cut to fit).
//
// Game files: every game.tw-pddl under data_dir (recursively, skipping directories whose
// name contains "movable" or "Sliced", as ALFWorld does) plus `games`; a file whose
// "solvable" is not true is skipped at load when require_solvable is set (ALFWorld's rule).
// The task type of a game comes from traj_data.json beside it, else from its directory
// name (ALFWorld's "<task_type>-<object>-..." layout). Compiled games are cached per process.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "envs/alfworld/game.h"
#include "envs/env.h"
#include "envs/text/text_observations.h"

namespace spur {

struct AlfworldOptions {
  // Directory searched recursively for game.tw-pddl files (e.g. ALFWorld's
  // $ALFWORLD_DATA/json_2.1.1/train, or the output of `spur alfworld-generate`).
  std::string data_dir;
  // Extra game files.
  std::vector<std::string> games;
  // Keep only games of these task types (pick_and_place_simple, look_at_obj_in_light,
  // pick_clean_then_place_in_recep, pick_heat_then_place_in_recep,
  // pick_cool_then_place_in_recep, pick_two_obj_and_place). Default: all.
  std::vector<std::string> task_types;
  // Skip game files whose "solvable" is not true (ALFWorld's loader does). Default: true.
  bool require_solvable = true;
  // Step cap per episode (ALFWorld's max_nb_steps_per_episode). Default: 50.
  int64_t max_steps = 50;
  // Display names: alfred (AlfredDemangler: "countertop 1") or ids (plain PddlEnv).
  std::string names = "alfred";
  // Candidate slots: the most admissible commands a state may have. A state with more is an
  // Error (the env never drops one). Default: 96 (the largest list over 2 x 1,000 generated
  // games is 66: `./spur bench alfworld_sizes`).
  int64_t max_candidates = 96;
  // How reset(seed) picks the game: random (a hash of the seed) or cycle (seed modulo the
  // number of games, so that seeds 0..N-1 play every game once: evaluation). Default: random.
  std::string game_order = "random";
  // Compiled games kept in memory per process. Default: 512.
  int64_t cache_games = 512;
  // When > 0 and data_dir holds no game: `spur train`/`spur eval` first generate this many
  // games there (`spur alfworld-generate` with generate_seed and generate_split), so that a
  // config runs out of the box. Default: 0 (never).
  int64_t generate_games = 0;
  uint64_t generate_seed = 1;
  std::string generate_split = "train";

  template <class B>
  void bind(B& b) {
    b.field("data_dir", data_dir);
    b.field("games", games);
    b.field("task_types", task_types);
    b.field("require_solvable", require_solvable);
    b.field("max_steps", max_steps);
    b.field("names", names);
    b.field("max_candidates", max_candidates);
    b.field("game_order", game_order);
    b.field("cache_games", cache_games);
    b.field("generate_games", generate_games);
    b.field("generate_seed", generate_seed);
    b.field("generate_split", generate_split);
  }
};

// Generates the games of generate_games into data_dir when it holds none (the env's prepare
// hook). Throws Error when generation fails or data_dir is unset.
void prepareAlfworldGames(const AlfworldOptions& options);

// The six task types ALFWorld plays, in its numbering order.
const std::vector<std::string>& alfworldTaskTypes();

// The spec of an AlfworldEnv with these options (no game is read). Throws Error for bad options.
EnvSpec alfworldEnvSpec(const AlfworldOptions& options);

// One playable game file and its task type.
struct AlfworldGameFile {
  std::string path;
  std::string task_type;
};
// The game files the options select, sorted by path. Throws Error (naming data_dir) when none.
std::vector<AlfworldGameFile> findAlfworldGames(const AlfworldOptions& options);

class AlfworldEnv : public Env {
 public:
  explicit AlfworldEnv(const AlfworldOptions& options);
  const EnvSpec& spec() const override { return spec_; }
  void reset(std::optional<uint64_t> seed) override;
  StepResult step(int64_t action) override;
  // "Nothing happens.": an answer that is no admissible command, as TextWorld plays it.
  StepResult stepInvalid() override;
  TensorView observation(std::size_t index) const override;
  std::span<const uint8_t> actionMask() const override { return obs_.mask(); }
  std::span<const std::string> candidates() const override { return candidates_; }
  // What the annotator judges: the task and the step's feedback ("Task: ...\nObservation: ..."),
  // so that labels are per task, as ONI's are per goal.
  std::string_view message() const override { return message_; }
  std::vector<EpisodeMetric> episodeMetrics() const override;

  // The game of the current episode.
  const AlfworldGameFile& currentGame() const { return files_[static_cast<std::size_t>(current_)]; }
  const alfworld::GameSession& session() const { return *session_; }

 private:
  void publish();  // observations, candidates and mask from the session
  StepResult finishStep();

  AlfworldOptions o_;
  EnvSpec spec_;
  alfworld::NameStyle names_;
  std::vector<AlfworldGameFile> files_;
  std::vector<uint8_t> skip_;  // per file: found unsolvable
  int64_t current_ = 0;
  uint64_t cycle_ = 0;
  std::unique_ptr<alfworld::GameSession> session_;
  std::vector<std::string> candidates_;
  TextObservations obs_;
  std::string message_;
  int64_t steps_ = 0, invalid_ = 0, truncated_ = 0;
  bool task_cut_ = false;
  double admissible_sum_ = 0;
};

}  // namespace spur
