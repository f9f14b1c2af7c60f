#include "envs/nethack/nethack_env.h"

#include "envs/env_registry.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "core/status.h"

namespace spur {
namespace {

using nle::kMapCols;
using nle::kMapRows;

// NLE's default NETHACKOPTIONS (nle/nethack/nethack.py).
const std::vector<std::string>& nleDefaultOptions() {
  static const std::vector<std::string> o{
      "autopickup", "color", "disclose:+i +a +v +g +c +o", "mention_walls", "nobones", "nocmdassist", "nolegacy",
      "nosparkle", "pickup_burden:unencumbered", "pickup_types:$?!/", "runmode:teleport", "showexp", "showscore", "time"};
  return o;
}

bool contains(const uint8_t* msg, std::string_view needle) {
  const std::string_view text(reinterpret_cast<const char*>(msg), strnlen(reinterpret_cast<const char*>(msg), nle::kMessageSize));
  return text.find(needle) != std::string_view::npos;
}

bool containsLowercase(const uint8_t* msg, std::string_view needle) {
  const std::size_t n = strnlen(reinterpret_cast<const char*>(msg), nle::kMessageSize);
  std::string lower(reinterpret_cast<const char*>(msg), n);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower.find(needle) != std::string::npos;
}

// Questions the agent may answer itself (NLE's SKIP_EXCEPTIONS; ONI adds "drink").
bool isSkipException(const uint8_t* msg, bool oni) {
  for (std::string_view e : {"eat", "attack", "direction?", "pray"})
    if (contains(msg, e)) return true;
  return oni && contains(msg, "drink");
}

// ONI's prompt handling: the first letter after a '[' followed by letters, as the
// regex \[([a-zA-Z]+) finds it; 0 when there is none.
int firstBracketLetter(const uint8_t* msg) {
  const std::size_t n = strnlen(reinterpret_cast<const char*>(msg), nle::kMessageSize);
  for (std::size_t i = 0; i + 1 < n; ++i)
    if (msg[i] == '[' && std::isalpha(msg[i + 1])) return msg[i + 1];
  return 0;
}

bool isPetGlyph(int g) { return g >= nle::kGlyphPetOff && g < nle::kGlyphPetOff + nle::kNumMonsters; }
bool isOracleGlyph(int g) { return g == nle::kOracleGlyph; }

}  // namespace

const std::vector<TensorSpec>& netHackObservationSpecs() {
  using nle::kInventorySize;
  static const std::vector<TensorSpec> specs{
      {"glyphs", DType::kInt16, {kMapRows, kMapCols}},
      {"chars", DType::kUInt8, {kMapRows, kMapCols}},
      {"colors", DType::kUInt8, {kMapRows, kMapCols}},
      {"specials", DType::kUInt8, {kMapRows, kMapCols}},
      {"blstats", DType::kInt64, {nle::kBlstatsSize}},
      {"message", DType::kUInt8, {nle::kMessageSize}},
      {"program_state", DType::kInt32, {nle::kProgramStateSize}},
      {"internal", DType::kInt32, {nle::kInternalSize}},
      {"inv_glyphs", DType::kInt16, {kInventorySize}},
      {"inv_strs", DType::kUInt8, {kInventorySize, nle::kInventoryStrLength}},
      {"inv_letters", DType::kUInt8, {kInventorySize}},
      {"inv_oclasses", DType::kUInt8, {kInventorySize}},
      {"screen_descriptions", DType::kUInt8, {kMapRows, kMapCols, nle::kScreenDescriptionLength}},
      {"tty_chars", DType::kUInt8, {nle::kTermRows, nle::kTermCols}},
      {"tty_colors", DType::kInt8, {nle::kTermRows, nle::kTermCols}},
      {"tty_cursor", DType::kUInt8, {2}},
      {"misc", DType::kInt32, {nle::kMiscSize}},
  };
  return specs;
}

std::string netHackOptionsString(const NetHackOptions& options) {
  const NetHackTaskInfo& task = findNetHackTask(options.task);
  const bool challenge = task.id == NetHackTaskId::kChallenge;
  std::vector<std::string> opts = options.nethack_options;
  if (opts.empty()) {
    for (const auto& o : nleDefaultOptions())
      opts.push_back(task.id == NetHackTaskId::kGold && o.rfind("pickup_types", 0) == 0 ? "pickup_types:$" : o);
  }
  const std::string character = options.character.value_or(challenge ? "@" : "mon-hum-neu-mal");
  std::string nh;
  for (const auto& o : opts) nh += o + ",";
  nh += "name:Agent-" + character;
  if (character == "@") {
    for (const char* key : {"race", "gender", "align"}) {
      const bool given = std::any_of(opts.begin(), opts.end(), [&](const std::string& o) { return o.rfind(std::string(key) + ":", 0) == 0; });
      if (!given) nh += std::string(",") + key + ":random";
    }
  }
  if (options.wizard && !challenge) nh += ",playmode:debug";
  return nh;
}

EnvSpec netHackEnvSpec(const NetHackOptions& options) {
  const NetHackTaskInfo& task = findNetHackTask(options.task);
  EnvSpec spec;
  const ActionSet set = options.actions ? parseActionSet(*options.actions) : task.default_actions;
  for (const auto& k : actionSetKeys(set)) spec.actions.names.emplace_back(k.name);
  const auto& all = netHackObservationSpecs();
  for (std::size_t i = 0; i < options.observation_keys.size(); ++i) {
    const std::string& key = options.observation_keys[i];
    auto it = std::find_if(all.begin(), all.end(), [&](const TensorSpec& s) { return s.name == key; });
    if (it == all.end()) {
      std::string valid;
      for (const auto& s : all) valid += (valid.empty() ? "" : ", ") + s.name;
      throw Error(StatusCode::kInvalidArgument, "unknown env.nethack.observation_keys entry '" + key + "' (valid: " + valid + ")");
    }
    for (std::size_t j = 0; j < i; ++j)
      if (options.observation_keys[j] == key) throw Error(StatusCode::kInvalidArgument, "env.nethack.observation_keys lists '" + key + "' twice");
    spec.observations.push_back(*it);
    if (key == "message") spec.text_observations.push_back(key);
  }
  return spec;
}

NetHackEnv::NetHackEnv(const NetHackOptions& options, int instance)
    : task_(&findNetHackTask(options.task)), spec_(netHackEnvSpec(options)), instance_(instance) {
  const bool challenge = task_->id == NetHackTaskId::kChallenge;
  const ActionSet set = options.actions ? parseActionSet(*options.actions) : task_->default_actions;
  oni_extended_ = task_->oni && set == ActionSet::kOniExtended;
  for (const auto& k : actionSetKeys(set)) keys_.push_back(k.key);

  max_steps_ = options.max_episode_steps.value_or(task_->default_max_episode_steps);
  if (max_steps_ <= 0) throw Error(StatusCode::kInvalidArgument, "env.nethack.max_episode_steps must be positive, got " + std::to_string(max_steps_));
  static const std::pair<const char*, PenaltyMode> kModes[] = {{"constant", PenaltyMode::kConstant}, {"exp", PenaltyMode::kExp},
                                                               {"square", PenaltyMode::kSquare}, {"linear", PenaltyMode::kLinear},
                                                               {"always", PenaltyMode::kAlways}};
  bool mode_ok = false;
  for (const auto& [name, mode] : kModes)
    if (options.penalty_mode == name) penalty_mode_ = mode, mode_ok = true;
  if (!mode_ok)
    throw Error(StatusCode::kInvalidArgument, "unknown env.nethack.penalty_mode '" + options.penalty_mode + "' (valid: constant, exp, square, linear, always)");
  penalty_step_ = options.penalty_step.value_or(challenge ? 0.0 : -0.01);
  penalty_time_ = options.penalty_time;
  allow_all_yn_ = options.allow_all_yn_questions.value_or(challenge);
  allow_all_modes_ = options.allow_all_modes.value_or(challenge);
  if (options.save_ttyrec_every <= 0) throw Error(StatusCode::kInvalidArgument, "env.nethack.save_ttyrec_every must be positive");
  save_ttyrec_every_ = options.save_ttyrec_every;
  ttyrec_dir_ = options.ttyrec_dir;
  if (!ttyrec_dir_.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(ttyrec_dir_, ec);
    if (ec) throw Error(StatusCode::kInvalidArgument, "cannot create env.nethack.ttyrec_dir " + ttyrec_dir_ + ": " + ec.message());
  }

  const std::string nh = netHackOptionsString(options);

  // Buffers: what the config asks for (validated by netHackEnvSpec) plus what the env itself reads.
  const std::vector<std::string>& wanted = options.observation_keys;
  auto want = [&](const char* name) { return std::find(wanted.begin(), wanted.end(), name) != wanted.end(); };
  const std::size_t map = kMapRows * kMapCols;
  glyphs_.resize(map);
  blstats_.resize(nle::kBlstatsSize);
  message_.resize(nle::kMessageSize);
  program_state_.resize(nle::kProgramStateSize);
  internal_.resize(nle::kInternalSize);
  if (want("chars")) chars_.resize(map);
  if (want("colors")) colors_.resize(map);
  if (want("specials")) specials_.resize(map);
  if (want("inv_glyphs")) inv_glyphs_.resize(nle::kInventorySize);
  if (want("inv_strs")) inv_strs_.resize(nle::kInventorySize * nle::kInventoryStrLength);
  if (want("inv_letters")) inv_letters_.resize(nle::kInventorySize);
  if (want("inv_oclasses")) inv_oclasses_.resize(nle::kInventorySize);
  if (want("screen_descriptions")) screen_descriptions_.resize(map * nle::kScreenDescriptionLength);
  if (want("tty_chars")) tty_chars_.resize(nle::kTermRows * nle::kTermCols);
  if (want("tty_colors")) tty_colors_.resize(nle::kTermRows * nle::kTermCols);
  if (want("tty_cursor")) tty_cursor_.resize(2);
  if (want("misc")) misc_.resize(nle::kMiscSize);

  auto ptr = [](auto& v) { return v.empty() ? nullptr : v.data(); };
  nle::Observation buffers{};
  buffers.glyphs = ptr(glyphs_);
  buffers.chars = ptr(chars_);
  buffers.colors = ptr(colors_);
  buffers.specials = ptr(specials_);
  buffers.blstats = ptr(blstats_);
  buffers.message = ptr(message_);
  buffers.program_state = ptr(program_state_);
  buffers.internal = ptr(internal_);
  buffers.inv_glyphs = ptr(inv_glyphs_);
  buffers.inv_strs = ptr(inv_strs_);
  buffers.inv_letters = ptr(inv_letters_);
  buffers.inv_oclasses = ptr(inv_oclasses_);
  buffers.screen_descriptions = ptr(screen_descriptions_);
  buffers.tty_chars = ptr(tty_chars_);
  buffers.tty_colors = ptr(tty_colors_);
  buffers.tty_cursor = ptr(tty_cursor_);
  buffers.misc = ptr(misc_);

  for (const auto& name : wanted) {
    for (const auto& s : netHackObservationSpecs()) {
      if (s.name != name) continue;
      const void* p = nullptr;
      if (name == "glyphs") p = glyphs_.data();
      else if (name == "chars") p = chars_.data();
      else if (name == "colors") p = colors_.data();
      else if (name == "specials") p = specials_.data();
      else if (name == "blstats") p = blstats_.data();
      else if (name == "message") p = nullptr;  // resolved per call: may be the kept message
      else if (name == "program_state") p = program_state_.data();
      else if (name == "internal") p = internal_.data();
      else if (name == "inv_glyphs") p = inv_glyphs_.data();
      else if (name == "inv_strs") p = inv_strs_.data();
      else if (name == "inv_letters") p = inv_letters_.data();
      else if (name == "inv_oclasses") p = inv_oclasses_.data();
      else if (name == "screen_descriptions") p = screen_descriptions_.data();
      else if (name == "tty_chars") p = tty_chars_.data();
      else if (name == "tty_colors") p = tty_colors_.data();
      else if (name == "tty_cursor") p = tty_cursor_.data();
      else if (name == "misc") p = misc_.data();
      spec_data_.push_back(p);
    }
  }

  NleLocateOptions where{options.nle_path, options.python};
  NleGameOptions game_options{nh, options.spawn_monsters, ""};
  game_ = std::make_unique<NleGame>(locateNlePackage(where), game_options, buffers);
}

NetHackEnv::~NetHackEnv() {
  game_.reset();  // ends the game, which flushes the ttyrec stream into the FILE
  if (ttyrec_) std::fclose(ttyrec_);
}

TensorView NetHackEnv::observation(std::size_t index) const {
  SPUR_CHECK(index < spec_.observations.size(), "observation index out of range");
  const void* p = spec_data_[index] ? spec_data_[index] : visibleMessage();
  return TensorView{&spec_.observations[index], p};
}

std::string_view NetHackEnv::message() const {
  const char* m = reinterpret_cast<const char*>(visibleMessage());
  return std::string_view(m, strnlen(m, nle::kMessageSize));
}

void NetHackEnv::reset(std::optional<uint64_t> seed) {
  if (!seed) return resetWithSeeds(std::nullopt);
  resetWithSeeds(NleSeeds{*seed, *seed ^ 0x9E3779B97F4A7C15ULL, false, std::nullopt});
}

void NetHackEnv::resetWithSeeds(const std::optional<NleSeeds>& seeds) {
  for (int attempt = 0;; ++attempt) {
    ++episode_;
    FILE* ttyrec = nullptr;
    std::string ttyrecname;
    if (!ttyrec_dir_.empty() && episode_ % save_ttyrec_every_ == 0) {
      ttyrecname = "nle." + std::to_string(getpid()) + "." + std::to_string(instance_) + "." + std::to_string(episode_) + ".ttyrec3.bz2";
      const std::string path = ttyrec_dir_ + "/" + ttyrecname;
      ttyrec = std::fopen(path.c_str(), "a");
      if (!ttyrec) throw Error(StatusCode::kInvalidArgument, "cannot open ttyrec file " + path + ": " + std::strerror(errno));
    }
    try {
      if (key_log_) key_log_->push_back(-1);
      game_->start(seeds, ttyrec, ttyrecname);
    } catch (...) {
      if (ttyrec) std::fclose(ttyrec);
      throw;
    }
    // The previous game has ended inside start(), so its recording is complete.
    if (ttyrec_) std::fclose(ttyrec_);
    ttyrec_ = ttyrec;

    steps_ = 0;
    use_kept_message_ = false;
    scout_explored_.clear();
    challenge_turns_.reset();
    no_progress_count_ = 0;
    continual_success_ = continual_rewarded_ = false;
    enhance_ = false;
    kills_ = 0;

    // Press SPACE through the intro until NetHack is in its move loop (as NLE does).
    // Unlike NLE, leave a text prompt with ESC: a scroll of scare monster picked up on
    // turn 0 asks "Call a scroll labeled ...:", which SPACE never answers; NLE then
    // resets into an unseeded game, which would break reproducibility for that seed.
    for (int i = 0; i < 1000 && !program_state_[3]; ++i) {
      sendKey(internal_[2] ? keys::kEsc : keys::kSpace);
      if (game_->done()) throw Error(StatusCode::kInternal, "NetHack ended while starting the episode (HACKDIR " + game_->hackdir() + ")");
    }
    if (program_state_[3]) break;
    if (attempt == 2) throw Error(StatusCode::kInternal, "NetHack did not reach its move loop after 3 resets of 1000 SPACE presses");
    spdlog::warn("NetHack not in its move loop after 1000 SPACE presses; resetting again");
  }
  last_depth_ = last_gold_ = last_score_ = 0;
  rememberStatus();
}

void NetHackEnv::sendKey(int key) {
  // NLE raises on a step after the game ended; ONI's loops can ask for one, so it is
  // ignored here instead.
  if (game_->done()) return;
  use_kept_message_ = false;
  if (key_log_) key_log_->push_back(key);
  game_->step(key);
}

StepResult NetHackEnv::step(int64_t action) {
  SPUR_CHECK(action >= 0 && action < spec_.actions.size(), "action out of range");
  SPUR_CHECK(game_->started() && !game_->done(), "step() needs reset() first and after done");
  std::copy(blstats_.begin(), blstats_.end(), last_blstats_.begin());
  last_uhunger_ = internal_[7];
  std::memcpy(last_message_.data(), visibleMessage(), nle::kMessageSize);

  int key = keys_[static_cast<std::size_t>(action)];
  if (task_->oni) {
    // ONI: on an eat (oni_extended: or drink) prompt, 'y' (the NW key) picks the first
    // offered item and anything else cancels with SPACE.
    if (oni_extended_ && containsLowercase(last_message_.data(), "you kill ")) ++kills_;
    const bool eat = contains(last_message_.data(), "What do you want to eat");
    const bool drink = !eat && oni_extended_ && contains(last_message_.data(), "What do you want to drink");
    if (eat || drink) {
      const int letter = firstBracketLetter(last_message_.data());
      key = (letter && key == 'y') ? letter : keys::kSpace;
    }
  }
  sendKey(key);

  StepResult result;
  // NLE computes `truncated` before its step counter moves; ONI has no truncation.
  if (!task_->oni) result.truncated = checkAbort();
  if (program_state_[0] == 1 || !allow_all_modes_) performKnownSteps(true, oni_extended_ ? std::optional<int>(key) : std::nullopt);
  ++steps_;

  EndStatus end = checkAbort() ? EndStatus::kAborted : episodeEnd();
  if (game_->done()) end = EndStatus::kDeath;
  result.end_status = end;
  result.reward = reward(end);
  result.done = game_->done();
  if (end != EndStatus::kRunning && !result.done) {
    // The step's observation is the one before quitting. Its fields are NetHack's
    // buffers, which the quit overwrites as in NLE, except a message ONI kept past its
    // --More--: that is a copy and stays what the step shows.
    const bool kept = use_kept_message_;
    const auto kept_message = kept_message_;
    quitGame();
    use_kept_message_ = kept;
    kept_message_ = kept_message;
    result.done = true;
  }
  if (!result.done) rememberStatus();
  return result;
}

void NetHackEnv::performKnownSteps(bool exceptions, std::optional<int> oni_action) {
  const bool oni = task_->oni;
  while (!game_->done()) {
    if (oni_extended_) {
      // ONI's extended-action macros: CAST is followed by 'a' (first spell); a skill that
      // can be enhanced is enhanced at the end of the loop.
      const bool confident = contains(visibleMessage(), "You feel more confident in");
      if (oni_action == keys::kCast) sendKey('a');
      else if (confident) enhance_ = true;
      if (internal_[3]) {
        if (confident) enhance_ = true;
      }
    }
    if (internal_[3]) {  // --More--
      if (oni) {
        // ONI keeps "You descend the stairs." visible past its --More--, so that the
        // staircase tasks and the LLM see it.
        std::array<uint8_t, nle::kMessageSize> previous;
        std::memcpy(previous.data(), visibleMessage(), nle::kMessageSize);
        sendKey(keys::kSpace);
        oni_action = keys::kSpace;
        if (contains(previous.data(), "You descend the stairs.")) {
          kept_message_ = previous;
          use_kept_message_ = true;
        }
      } else {
        sendKey(keys::kSpace);
      }
      continue;
    }
    if (internal_[2]) {  // text prompt: never typed into
      sendKey(keys::kEsc);
      oni_action = keys::kEsc;
      continue;
    }
    if (internal_[1]) {  // y/n question
      if (exceptions && (allow_all_yn_ || isSkipException(visibleMessage(), oni))) break;
      sendKey(keys::kEsc);
      oni_action = keys::kEsc;
    }
    if (oni_extended_ && enhance_) {
      sendKey(keys::kEnhance);
      sendKey('a');
      enhance_ = false;
    }
    break;
  }
}

void NetHackEnv::quitGame() {
  performKnownSteps(false, std::nullopt);
  if (game_->done()) return;
  sendKey(keys::kQuit);
  sendKey('y');
  performKnownSteps(false, std::nullopt);
  if (!game_->done()) spdlog::warn("NetHack: quitting the game failed; the next reset starts a new one anyway");
}

bool NetHackEnv::checkAbort() {
  if (task_->id == NetHackTaskId::kChallenge) {
    // NLE's Challenge also aborts after 10000 steps without the turn counter moving;
    // like NLE 1.2.0, this runs twice per step (truncation and end status).
    const long turns = blstats_[nle::kBlTime];
    if (challenge_turns_ && *challenge_turns_ == turns) {
      ++no_progress_count_;
    } else {
      challenge_turns_ = turns;
      no_progress_count_ = 0;
    }
    return steps_ >= max_steps_ || no_progress_count_ >= 10000;
  }
  return steps_ >= max_steps_;
}

bool NetHackEnv::anyAdjacentGlyph(bool (*match)(int glyph)) const {
  // numpy's glyphs[y-1:y+2, x-1:x+2], as NLE and ONI slice it: a negative start wraps to
  // the end of the axis, which makes the slice empty; the stop is clipped to the map.
  const long y = blstats_[nle::kBlY], x = blstats_[nle::kBlX];
  if (y - 1 < 0 || x - 1 < 0) return false;
  for (long r = y - 1; r <= std::min<long>(y + 1, kMapRows - 1); ++r)
    for (long c = x - 1; c <= std::min<long>(x + 1, kMapCols - 1); ++c)
      if (match(glyphs_[static_cast<std::size_t>(r * kMapCols + c)])) return true;
  return false;
}

EndStatus NetHackEnv::episodeEnd() {
  using T = NetHackTaskId;
  switch (task_->id) {
    case T::kStaircase:
      return internal_[4] ? EndStatus::kTaskSuccessful : EndStatus::kRunning;
    case T::kStaircasePet:
      return internal_[4] && anyAdjacentGlyph(isPetGlyph) ? EndStatus::kTaskSuccessful : EndStatus::kRunning;
    case T::kOracle:
    case T::kOniOracle:
      return anyAdjacentGlyph(isOracleGlyph) ? EndStatus::kTaskSuccessful : EndStatus::kRunning;
    case T::kOniOracleSober:
      // ONI tests equality with the hallucination bit, not the bit itself.
      return anyAdjacentGlyph(isOracleGlyph) && blstats_[nle::kBlCondition] != 512 ? EndStatus::kTaskSuccessful : EndStatus::kRunning;
    case T::kOniStaircase:
    case T::kOniStaircaseLvl3:
    case T::kOniStaircaseLvl4:
    case T::kOniStaircaseContinual:
    case T::kOniStaircaseLvl3Continual:
    case T::kOniStaircaseLvl4Continual: {
      const bool reached = contains(visibleMessage(), "You descend the stairs") && blstats_[nle::kBlDlevel] == task_->target_dlevel;
      if (!task_->continual) return reached ? EndStatus::kTaskSuccessful : EndStatus::kRunning;
      continual_success_ = continual_success_ || reached;
      return EndStatus::kRunning;
    }
    default:
      return EndStatus::kRunning;
  }
}

double NetHackEnv::timePenalty() {
  const long old_time = last_blstats_[nle::kBlTime], new_time = blstats_[nle::kBlTime];
  frozen_steps_ = old_time == new_time ? frozen_steps_ + 1 : 0;
  double p = 0.0;
  switch (penalty_mode_) {
    case PenaltyMode::kConstant: p += frozen_steps_ > 0 ? penalty_step_ : 0.0; break;
    case PenaltyMode::kExp: p += std::ldexp(1.0, static_cast<int>(std::min<int64_t>(frozen_steps_, 2000))) * penalty_step_; break;
    case PenaltyMode::kSquare: p += static_cast<double>(frozen_steps_ * frozen_steps_) * penalty_step_; break;
    case PenaltyMode::kLinear: p += static_cast<double>(frozen_steps_) * penalty_step_; break;
    case PenaltyMode::kAlways: p += penalty_step_; break;
  }
  return p + static_cast<double>(new_time - old_time) * penalty_time_;
}

double NetHackEnv::reward(EndStatus end) {
  using T = NetHackTaskId;
  const bool normal = game_->inNormalGame();
  auto scoreDelta = [&] { return normal ? static_cast<double>(blstats_[nle::kBlScore] - last_blstats_[nle::kBlScore]) : 0.0; };
  switch (task_->id) {
    case T::kNetHack:
      return scoreDelta();
    case T::kScore:
    case T::kChallenge:
    case T::kOniScore: {
      const double d = scoreDelta();
      return d + timePenalty();
    }
    case T::kStaircase:
    case T::kStaircasePet:
    case T::kOracle: {
      const double tp = timePenalty();
      return (end == EndStatus::kTaskSuccessful ? 1.0 : 0.0) + tp;
    }
    case T::kGold:
      if (!normal) return 0.0;
      return static_cast<double>(blstats_[nle::kBlGold] - last_blstats_[nle::kBlGold]) + timePenalty();
    case T::kEat:
      if (!normal) return 0.0;
      return static_cast<double>(std::max(0, internal_[7] - last_uhunger_)) + timePenalty();
    case T::kScout: {
      if (!normal) return 0.0;
      int64_t explored = 0;
      for (auto g : glyphs_) explored += g != nle::kGlyphCmapOff;
      const int64_t key = blstats_[nle::kBlDnum] * 1000 + blstats_[nle::kBlDlevel];
      auto [it, inserted] = scout_explored_.try_emplace(key, 0);
      const int64_t gained = explored - it->second;
      it->second = explored;
      return static_cast<double>(gained) + timePenalty();
    }
    case T::kOniStaircaseContinual:
    case T::kOniStaircaseLvl3Continual:
    case T::kOniStaircaseLvl4Continual:
      if (continual_success_ && !continual_rewarded_) {
        continual_rewarded_ = true;
        return 50.0;
      }
      return 0.0;
    case T::kOniStaircase:
    case T::kOniStaircaseLvl3:
    case T::kOniStaircaseLvl4:
    case T::kOniOracle:
    case T::kOniOracleSober:
      return end == EndStatus::kTaskSuccessful ? 50.0 : 0.0;
  }
  return 0.0;
}

void NetHackEnv::rememberStatus() {
  if (!game_->inNormalGame()) return;
  last_depth_ = blstats_[nle::kBlDepth];
  last_gold_ = blstats_[nle::kBlGold];
  last_score_ = blstats_[nle::kBlScore];
}

std::vector<EpisodeMetric> NetHackEnv::episodeMetrics() const {
  return {{"depth", static_cast<double>(last_depth_)}, {"gold", static_cast<double>(last_gold_)}, {"score", static_cast<double>(last_score_)}};
}

namespace {

NetHackOptions netHackSection(const EnvOptions& options) { return envSection<NetHackOptions>(options, "nethack"); }

}  // namespace

SPUR_REGISTER_ENV({"nethack", "NetHack through NLE's libnethack.so (NLE and ONI tasks)",
                   [](const EnvOptions& o) { return netHackEnvSpec(netHackSection(o)); },
                   [](const EnvOptions& o, int instance) -> std::unique_ptr<Env> { return std::make_unique<NetHackEnv>(netHackSection(o), instance); }});

}  // namespace spur
