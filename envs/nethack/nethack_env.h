// NetHackEnv: NetHack through NLE's libnethack.so with NLE's (or ONI's) task semantics.
//
// Same seeds + same actions give the same episode as NLE 1.2.0's Python gym env for the
// same task and action set (tests/envs/nethack_parity_test.py checks this step by step).
// What the Python env does between the agent's key presses is done here too: skipping
// --More--, declining y/n questions except SKIP_EXCEPTIONS, leaving text prompts, the
// quit sequence when an episode is aborted, and the reset loop into the move loop.
//
// Thread-safety: a NetHackEnv is used by one thread at a time; any number of them can
// run in parallel (each loads its own copy of libnethack.so).
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "envs/env.h"
#include "envs/nethack/actions.h"
#include "envs/nethack/nle_game.h"
#include "envs/nethack/tasks.h"

namespace spur {

// The YAML section env.nethack. Defaults follow NLE 1.2.0 unless noted.
struct NetHackOptions {
  // Task name, see tasks.h. Default: Score.
  std::string task = "Score";
  // Action set: full, useful, task, oni_extended. Default (null): the task's own.
  std::optional<std::string> actions;
  // Character "role-race-gender-alignment", or "@" for random. Default (null):
  // mon-hum-neu-mal; Challenge: @.
  std::optional<std::string> character;
  // Steps before the episode is aborted (end status ABORTED, then the quit sequence).
  // Default (null): 5000; Challenge 1000000.
  std::optional<int64_t> max_episode_steps;
  // Time-penalty mode: constant, exp, square, linear, always. Default: constant.
  std::string penalty_mode = "constant";
  // Penalty per frozen step. Default (null): -0.01; Challenge 0.
  std::optional<double> penalty_step;
  // Penalty per in-game turn elapsed. Default: 0.
  double penalty_time = 0.0;
  // Let the agent answer every y/n question. Default (null): false; Challenge true.
  std::optional<bool> allow_all_yn_questions;
  // Don't skip --More--, menus and text prompts. Default (null): false; Challenge true.
  std::optional<bool> allow_all_modes;
  // Random monster generation. Default: true.
  bool spawn_monsters = true;
  // NetHack wizard (debug) mode. Default: false.
  bool wizard = false;
  // Observation tensors to compute, by NLE name (glyphs chars colors specials blstats
  // message program_state internal inv_glyphs inv_strs inv_letters inv_oclasses
  // screen_descriptions tty_chars tty_colors tty_cursor misc). Only these are computed
  // (plus what the task itself reads). Default: glyphs chars colors blstats message.
  std::vector<std::string> observation_keys{"glyphs", "chars", "colors", "blstats", "message"};
  // NETHACKOPTIONS entries. Default (empty): NLE's list (Gold: pickup_types:$).
  std::vector<std::string> nethack_options;
  // Record NLE bz2 ttyrec3 files here when non-empty. Default: off.
  std::string ttyrec_dir;
  // With ttyrec_dir: record every Nth episode. Default: 1.
  int64_t save_ttyrec_every = 1;
  // Where the nle package is, see NleLocateOptions. Default: found via the venv Python.
  std::string nle_path;
  std::string python;

  template <class B>
  void bind(B& b) {
    b.field("task", task);
    b.field("actions", actions);
    b.field("character", character);
    b.field("max_episode_steps", max_episode_steps);
    b.field("penalty_mode", penalty_mode);
    b.field("penalty_step", penalty_step);
    b.field("penalty_time", penalty_time);
    b.field("allow_all_yn_questions", allow_all_yn_questions);
    b.field("allow_all_modes", allow_all_modes);
    b.field("spawn_monsters", spawn_monsters);
    b.field("wizard", wizard);
    b.field("observation_keys", observation_keys);
    b.field("nethack_options", nethack_options);
    b.field("ttyrec_dir", ttyrec_dir);
    b.field("save_ttyrec_every", save_ttyrec_every);
    b.field("nle_path", nle_path);
    b.field("python", python);
  }
};

// The NETHACKOPTIONS string NLE builds for these options (task defaults included).
// Throws Error for an unknown task.
std::string netHackOptionsString(const NetHackOptions& options);

// The names of every observation NLE can produce, in NLE's order.
const std::vector<TensorSpec>& netHackObservationSpecs();

// The spec of a NetHackEnv with these options, without loading NetHack. Throws Error
// naming the valid choices for an unknown task, action set or observation key.
EnvSpec netHackEnvSpec(const NetHackOptions& options);

class NetHackEnv : public Env {
 public:
  // Validates the options (unknown task, action set, observation key or penalty mode is
  // an Error naming the valid choices), locates nle and prepares the game. The first
  // game starts at reset(). `instance` distinguishes ttyrec file names of envs that
  // share a ttyrec_dir.
  explicit NetHackEnv(const NetHackOptions& options, int instance = 0);
  ~NetHackEnv() override;

  const EnvSpec& spec() const override { return spec_; }
  // A seed s maps to NetHack seeds core = s, disp = s ^ 0x9E3779B97F4A7C15, no lgen.
  void reset(std::optional<uint64_t> seed) override;
  StepResult step(int64_t action) override;
  TensorView observation(std::size_t index) const override;
  std::string_view message() const override;
  // depth, gold and score of the last step that was still in the game (NetHack zeroes
  // blstats once the game is over).
  std::vector<EpisodeMetric> episodeMetrics() const override;

  // Starts a new episode with exactly these NetHack seeds (NLE's seed() + reset()).
  void resetWithSeeds(const std::optional<NleSeeds>& seeds);

  const NetHackTaskInfo& task() const { return *task_; }
  // The key code action `a` sends (before ONI's prompt rewrites).
  int actionKey(int64_t a) const { return keys_[static_cast<std::size_t>(a)]; }
  // The 27 blstats of the current observation.
  const long* blstats() const { return blstats_.data(); }
  // The 21x79 glyphs of the current observation (always computed).
  const int16_t* glyphs() const { return glyphs_.data(); }
  bool inNormalGame() const { return game_->inNormalGame(); }
  int howDone() const { return game_->howDone(); }
  int64_t episodeSteps() const { return steps_; }
  int64_t episode() const { return episode_; }
  // ONI info: number of "you kill" messages seen this episode (oni_extended only).
  int64_t killCount() const { return kills_; }
  NleSeeds currentSeeds() const { return game_->currentSeeds(); }

  // For benchmarks and debugging: append every key sent to NetHack (the agent's and the
  // env's own) to *log, and -1 at every game start. Null turns logging off.
  void setKeyLog(std::vector<int>* log) { key_log_ = log; }

 private:
  enum class PenaltyMode { kConstant, kExp, kSquare, kLinear, kAlways };

  void sendKey(int key);
  void performKnownSteps(bool exceptions, std::optional<int> oni_action);
  void quitGame();
  bool checkAbort();
  EndStatus episodeEnd();
  double reward(EndStatus end_status);
  double timePenalty();
  // Whether a glyph in the 3x3 square around the hero matches.
  bool anyAdjacentGlyph(bool (*match)(int glyph)) const;
  void rememberStatus();
  const uint8_t* visibleMessage() const { return use_kept_message_ ? kept_message_.data() : message_.data(); }

  const NetHackTaskInfo* task_;
  bool oni_extended_ = false;
  std::vector<int> keys_;
  EnvSpec spec_;
  std::vector<const void*> spec_data_;  // where each spec'd tensor lives
  int64_t max_steps_;
  PenaltyMode penalty_mode_;
  double penalty_step_, penalty_time_;
  bool allow_all_yn_, allow_all_modes_;
  int64_t save_ttyrec_every_;
  std::string ttyrec_dir_;
  int instance_;

  // Observation buffers (NLE's dtypes); empty when not computed.
  std::vector<int16_t> glyphs_;
  std::vector<uint8_t> chars_, colors_, specials_;
  std::vector<long> blstats_;
  std::vector<uint8_t> message_;
  std::vector<int> program_state_, internal_;
  std::vector<int16_t> inv_glyphs_;
  std::vector<uint8_t> inv_strs_, inv_letters_, inv_oclasses_, screen_descriptions_;
  std::vector<uint8_t> tty_chars_;
  std::vector<int8_t> tty_colors_;
  std::vector<uint8_t> tty_cursor_;
  std::vector<int> misc_;

  std::unique_ptr<NleGame> game_;
  FILE* ttyrec_ = nullptr;
  std::vector<int>* key_log_ = nullptr;

  // Episode state.
  int64_t episode_ = -1;
  int64_t steps_ = 0;
  int64_t frozen_steps_ = 0;  // NLE keeps this across resets
  std::array<long, nle::kBlstatsSize> last_blstats_{};
  int last_uhunger_ = 0;
  std::array<uint8_t, nle::kMessageSize> last_message_{};
  std::array<uint8_t, nle::kMessageSize> kept_message_{};
  bool use_kept_message_ = false;
  std::unordered_map<int64_t, int64_t> scout_explored_;  // (dnum, dlevel) -> squares
  std::optional<long> challenge_turns_;
  int64_t no_progress_count_ = 0;
  bool continual_success_ = false, continual_rewarded_ = false;
  bool enhance_ = false;
  int64_t kills_ = 0;

  long last_depth_ = 0, last_gold_ = 0, last_score_ = 0;  // see episodeMetrics()
};

}  // namespace spur
