// NetHack action sets: which key each discrete action index sends.
//
// Tables follow NLE 1.2.0 (nle/nethack/actions.py, nle/env/tasks.py) and ONI:
//   full         NLE's ACTIONS, 121 entries (the NetHackChallenge set)
//   useful       NLE's USEFUL_ACTIONS, 86 entries (base "NetHack" task default)
//   task         NLE's TASK_ACTIONS, 23 entries (default of the NLE tasks)
//   oni_extended ONI's EXTENDED_TASK_ACTIONS, 28 entries: task + CAST QUAFF PRAY PICKUP PAY
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace spur {

struct NamedKey {
  const char* name;  // NLE's enum name, long compass moves as LONG_N, ...
  int key;           // the key code sent to NetHack
};

enum class ActionSet { kFull, kUseful, kTask, kOniExtended };

// Key codes used by the env itself.
namespace keys {
inline constexpr int kSpace = ' ';
inline constexpr int kEsc = 27;
inline constexpr int kMore = '\r';
inline constexpr int kCast = 'Z';
inline constexpr int kEnhance = 0x80 | 'e';  // M-e
inline constexpr int kQuit = 0x80 | 'q';     // M-q
}  // namespace keys

const std::vector<NamedKey>& actionSetKeys(ActionSet set);
std::string_view actionSetName(ActionSet set);
// Throws Error(kInvalidArgument) listing the valid names for an unknown name.
ActionSet parseActionSet(std::string_view name);
// "full, useful, task, oni_extended".
std::string actionSetNames();

}  // namespace spur
