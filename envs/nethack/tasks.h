// NetHack tasks: the reward, success test and defaults of each task spur offers.
//
// NLE tasks (nle 1.2.0 nle/env/tasks.py semantics, gym ids NetHack<Task>-v0):
//   NetHack Score Staircase StaircasePet Oracle Gold Eat Scout Challenge
// ONI tasks (ONI rl_baseline/tasks_nle.py, registered there as -v1 ids):
//   OniScore OniStaircase OniStaircaseLvl3 OniStaircaseLvl4 OniStaircaseContinual
//   OniStaircaseLvl3Continual OniStaircaseLvl4Continual OniOracle OniOracleSober
// ONI tasks default to the 28 oni_extended actions (ONI's "...ExtendedActions-v1" envs,
// the ones in the paper); with another action set they behave as ONI's plain -v1 envs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "envs/nethack/actions.h"

namespace spur {

enum class NetHackTaskId {
  kNetHack, kScore, kStaircase, kStaircasePet, kOracle, kGold, kEat, kScout, kChallenge,
  kOniScore, kOniStaircase, kOniStaircaseLvl3, kOniStaircaseLvl4, kOniStaircaseContinual,
  kOniStaircaseLvl3Continual, kOniStaircaseLvl4Continual, kOniOracle, kOniOracleSober,
};

struct NetHackTaskInfo {
  NetHackTaskId id;
  const char* name;
  bool oni;                   // ONI's step semantics (eat prompt rewrite, kept descend message)
  ActionSet default_actions;
  int64_t default_max_episode_steps;
  int target_dlevel;          // ONI staircase tasks: success when descending to this level
  bool continual;             // ONI *Continual: reward once, never end on success
  const char* summary;        // one line for --help and errors
};

const std::vector<NetHackTaskInfo>& netHackTasks();
// Throws Error(kInvalidArgument) listing the valid names for an unknown name.
const NetHackTaskInfo& findNetHackTask(std::string_view name);
std::string netHackTaskNames();

}  // namespace spur
