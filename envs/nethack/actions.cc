#include "envs/nethack/actions.h"

#include "core/status.h"

namespace spur {
namespace {

const std::vector<NamedKey>& fullActions() {
  static const std::vector<NamedKey> k{
      {"N", 107}, {"E", 108}, {"S", 106}, {"W", 104}, {"NE", 117}, {"SE", 110}, {"SW", 98}, {"NW", 121},
      {"LONG_N", 75}, {"LONG_E", 76}, {"LONG_S", 74}, {"LONG_W", 72}, {"LONG_NE", 85}, {"LONG_SE", 78},
      {"LONG_SW", 66}, {"LONG_NW", 89}, {"UP", 60}, {"DOWN", 62}, {"WAIT", 46}, {"MORE", 13}, {"EXTCMD", 35},
      {"EXTLIST", 191}, {"ADJUST", 225}, {"ANNOTATE", 193}, {"APPLY", 97}, {"ATTRIBUTES", 24},
      {"AUTOPICKUP", 64}, {"CALL", 67}, {"CAST", 90}, {"CHAT", 227}, {"CLOSE", 99}, {"CONDUCT", 195},
      {"DIP", 228}, {"DROP", 100}, {"DROPTYPE", 68}, {"EAT", 101}, {"ENGRAVE", 69}, {"ENHANCE", 229},
      {"ESC", 27}, {"FIGHT", 70}, {"FIRE", 102}, {"FORCE", 230}, {"GLANCE", 59}, {"HISTORY", 86},
      {"INVENTORY", 105}, {"INVENTTYPE", 73}, {"INVOKE", 233}, {"JUMP", 234}, {"KICK", 4}, {"KNOWN", 92},
      {"KNOWNCLASS", 96}, {"LOOK", 58}, {"LOOT", 236}, {"MONSTER", 237}, {"MOVE", 109}, {"MOVEFAR", 77},
      {"OFFER", 239}, {"OPEN", 111}, {"OPTIONS", 79}, {"OVERVIEW", 15}, {"PAY", 112}, {"PICKUP", 44},
      {"PRAY", 240}, {"PUTON", 80}, {"QUAFF", 113}, {"QUIT", 241}, {"QUIVER", 81}, {"READ", 114},
      {"REDRAW", 18}, {"REMOVE", 82}, {"RIDE", 210}, {"RUB", 242}, {"RUSH", 103}, {"RUSH2", 71}, {"SAVE", 83},
      {"SEARCH", 115}, {"SEEALL", 42}, {"SEEAMULET", 34}, {"SEEARMOR", 91}, {"SEEGOLD", 36}, {"SEERINGS", 61},
      {"SEESPELLS", 43}, {"SEETOOLS", 40}, {"SEETRAP", 94}, {"SEEWEAPON", 41}, {"SHELL", 33}, {"SIT", 243},
      {"SWAP", 120}, {"TAKEOFF", 84}, {"TAKEOFFALL", 65}, {"TELEPORT", 20}, {"THROW", 116}, {"TIP", 212},
      {"TRAVEL", 95}, {"TURN", 244}, {"TWOWEAPON", 88}, {"UNTRAP", 245}, {"VERSION", 246},
      {"VERSIONSHORT", 118}, {"WEAR", 87}, {"WHATDOES", 38}, {"WHATIS", 47}, {"WIELD", 119}, {"WIPE", 247},
      {"ZAP", 122}, {"PLUS", 43}, {"MINUS", 45}, {"SPACE", 32}, {"APOS", 39}, {"QUOTE", 34}, {"NUM_0", 48},
      {"NUM_1", 49}, {"NUM_2", 50}, {"NUM_3", 51}, {"NUM_4", 52}, {"NUM_5", 53}, {"NUM_6", 54}, {"NUM_7", 55},
      {"NUM_8", 56}, {"NUM_9", 57}, {"DOLLAR", 36},
  };
  return k;
}

const std::vector<NamedKey>& usefulActions() {
  static const std::vector<NamedKey> k{
      {"N", 107}, {"E", 108}, {"S", 106}, {"W", 104}, {"NE", 117}, {"SE", 110}, {"SW", 98}, {"NW", 121},
      {"LONG_N", 75}, {"LONG_E", 76}, {"LONG_S", 74}, {"LONG_W", 72}, {"LONG_NE", 85}, {"LONG_SE", 78},
      {"LONG_SW", 66}, {"LONG_NW", 89}, {"UP", 60}, {"DOWN", 62}, {"WAIT", 46}, {"MORE", 13}, {"ADJUST", 225},
      {"APPLY", 97}, {"ATTRIBUTES", 24}, {"CALL", 67}, {"CAST", 90}, {"CHAT", 227}, {"CLOSE", 99},
      {"DIP", 228}, {"DROP", 100}, {"DROPTYPE", 68}, {"EAT", 101}, {"ENGRAVE", 69}, {"ENHANCE", 229},
      {"ESC", 27}, {"FIGHT", 70}, {"FIRE", 102}, {"FORCE", 230}, {"INVENTORY", 105}, {"INVENTTYPE", 73},
      {"INVOKE", 233}, {"JUMP", 234}, {"KICK", 4}, {"LOOK", 58}, {"LOOT", 236}, {"MONSTER", 237},
      {"MOVE", 109}, {"MOVEFAR", 77}, {"OFFER", 239}, {"OPEN", 111}, {"PAY", 112}, {"PICKUP", 44},
      {"PRAY", 240}, {"PUTON", 80}, {"QUAFF", 113}, {"QUIVER", 81}, {"READ", 114}, {"REMOVE", 82},
      {"RIDE", 210}, {"RUB", 242}, {"RUSH", 103}, {"RUSH2", 71}, {"SEARCH", 115}, {"SEEARMOR", 91},
      {"SEERINGS", 61}, {"SEETOOLS", 40}, {"SEETRAP", 94}, {"SEEWEAPON", 41}, {"SHELL", 33}, {"SIT", 243},
      {"SWAP", 120}, {"TAKEOFF", 84}, {"TAKEOFFALL", 65}, {"THROW", 116}, {"TIP", 212}, {"TURN", 244},
      {"TWOWEAPON", 88}, {"UNTRAP", 245}, {"VERSIONSHORT", 118}, {"WEAR", 87}, {"WIELD", 119}, {"WIPE", 247},
      {"ZAP", 122}, {"PLUS", 43}, {"QUOTE", 34}, {"DOLLAR", 36}, {"SPACE", 32},
  };
  return k;
}

const std::vector<NamedKey>& taskActions() {
  static const std::vector<NamedKey> k{
      {"MORE", 13}, {"N", 107}, {"E", 108}, {"S", 106}, {"W", 104}, {"NE", 117}, {"SE", 110}, {"SW", 98},
      {"NW", 121}, {"LONG_N", 75}, {"LONG_E", 76}, {"LONG_S", 74}, {"LONG_W", 72}, {"LONG_NE", 85},
      {"LONG_SE", 78}, {"LONG_SW", 66}, {"LONG_NW", 89}, {"UP", 60}, {"DOWN", 62}, {"WAIT", 46}, {"KICK", 4},
      {"EAT", 101}, {"SEARCH", 115},
  };
  return k;
}

const std::vector<NamedKey>& oniExtendedActions() {
  static const std::vector<NamedKey> k = [] {
    std::vector<NamedKey> v = taskActions();
    v.insert(v.end(), {{"CAST", 90}, {"QUAFF", 113}, {"PRAY", 240}, {"PICKUP", 44}, {"PAY", 112}});
    return v;
  }();
  return k;
}

struct SetName {
  ActionSet set;
  const char* name;
};
constexpr SetName kSetNames[] = {
    {ActionSet::kFull, "full"}, {ActionSet::kUseful, "useful"}, {ActionSet::kTask, "task"}, {ActionSet::kOniExtended, "oni_extended"}};

}  // namespace

const std::vector<NamedKey>& actionSetKeys(ActionSet set) {
  switch (set) {
    case ActionSet::kFull: return fullActions();
    case ActionSet::kUseful: return usefulActions();
    case ActionSet::kTask: return taskActions();
    case ActionSet::kOniExtended: return oniExtendedActions();
  }
  SPUR_CHECK(false, "unknown ActionSet");
}

std::string_view actionSetName(ActionSet set) {
  for (const auto& s : kSetNames)
    if (s.set == set) return s.name;
  return "?";
}

std::string actionSetNames() {
  std::string out;
  for (const auto& s : kSetNames) out += (out.empty() ? "" : ", ") + std::string(s.name);
  return out;
}

ActionSet parseActionSet(std::string_view name) {
  for (const auto& s : kSetNames)
    if (name == s.name) return s.set;
  throw Error(StatusCode::kInvalidArgument, "unknown action set '" + std::string(name) + "' (valid: " + actionSetNames() + ")");
}

}  // namespace spur
