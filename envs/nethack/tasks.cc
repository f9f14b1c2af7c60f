#include "envs/nethack/tasks.h"

#include "core/status.h"

namespace spur {

const std::vector<NetHackTaskInfo>& netHackTasks() {
  using T = NetHackTaskId;
  using A = ActionSet;
  static const std::vector<NetHackTaskInfo> tasks{
      {T::kNetHack, "NetHack", false, A::kUseful, 5000, 0, false, "score delta (NLE base env)"},
      {T::kScore, "Score", false, A::kTask, 5000, 0, false, "score delta + time penalty"},
      {T::kStaircase, "Staircase", false, A::kTask, 5000, 0, false, "1 for standing on a down staircase + time penalty"},
      {T::kStaircasePet, "StaircasePet", false, A::kTask, 5000, 0, false, "1 for a down staircase with the pet adjacent + time penalty"},
      {T::kOracle, "Oracle", false, A::kTask, 5000, 0, false, "1 for standing next to the Oracle + time penalty"},
      {T::kGold, "Gold", false, A::kTask, 5000, 0, false, "gold delta + time penalty (picks up only gold)"},
      {T::kEat, "Eat", false, A::kTask, 5000, 0, false, "nutrition gained + time penalty"},
      {T::kScout, "Scout", false, A::kTask, 5000, 0, false, "newly seen map squares + time penalty"},
      {T::kChallenge, "Challenge", false, A::kFull, 1000000, 0, false, "score delta, random character, all prompts and menus"},
      {T::kOniScore, "OniScore", true, A::kOniExtended, 5000, 0, false, "ONI: score delta + time penalty"},
      {T::kOniStaircase, "OniStaircase", true, A::kOniExtended, 5000, 2, false, "ONI: 50 for descending to level 2"},
      {T::kOniStaircaseLvl3, "OniStaircaseLvl3", true, A::kOniExtended, 5000, 3, false, "ONI: 50 for descending to level 3"},
      {T::kOniStaircaseLvl4, "OniStaircaseLvl4", true, A::kOniExtended, 5000, 4, false, "ONI: 50 for descending to level 4"},
      {T::kOniStaircaseContinual, "OniStaircaseContinual", true, A::kOniExtended, 5000, 2, true, "ONI: 50 once for reaching level 2, runs until death"},
      {T::kOniStaircaseLvl3Continual, "OniStaircaseLvl3Continual", true, A::kOniExtended, 5000, 3, true, "ONI: 50 once for reaching level 3, runs until death"},
      {T::kOniStaircaseLvl4Continual, "OniStaircaseLvl4Continual", true, A::kOniExtended, 5000, 4, true, "ONI: 50 once for reaching level 4, runs until death"},
      {T::kOniOracle, "OniOracle", true, A::kOniExtended, 5000, 0, false, "ONI: 50 for standing next to the Oracle"},
      {T::kOniOracleSober, "OniOracleSober", true, A::kOniExtended, 5000, 0, false, "ONI: 50 for the Oracle while not hallucinating"},
  };
  return tasks;
}

std::string netHackTaskNames() {
  std::string out;
  for (const auto& t : netHackTasks()) out += (out.empty() ? "" : ", ") + std::string(t.name);
  return out;
}

const NetHackTaskInfo& findNetHackTask(std::string_view name) {
  for (const auto& t : netHackTasks())
    if (name == t.name) return t;
  throw Error(StatusCode::kInvalidArgument, "unknown NetHack task '" + std::string(name) + "' (valid: " + netHackTaskNames() + ")");
}

}  // namespace spur
