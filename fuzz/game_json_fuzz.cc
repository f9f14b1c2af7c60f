// ALFWorld's game file reader (GameDefinition::load: the game.tw-pddl JSON with its PDDL
// domain, problem and grammar, compiled) over arbitrary bytes; a game that loads is played
// a few steps as the env plays it (reset, then the first admissible command, and a command
// no game has).
#include <algorithm>

#include "envs/alfworld/game.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string path = spur::fuzz::writeScratchFile("game.tw-pddl", spur::fuzz::asText(data, size));
  std::shared_ptr<const spur::alfworld::GameDefinition> game;
  try {
    game = spur::alfworld::GameDefinition::load(path);
  } catch (const spur::Error&) {
    return 0;
  }
  try {
    spur::alfworld::GameSession session(game);
    session.reset();
    for (int i = 0; i < 3 && !session.admissibleCommands().empty(); ++i) {
      const std::string command = session.admissibleCommands().front();  // step() replaces the list
      bool valid = false;
      session.step(command, &valid);
      // Commands are stripped before matching: a listed one with surrounding whitespace
      // (a name without "_bar_", documented in game.h) is not playable, as in TextWorld.
      const auto first = command.find_first_not_of(" \t\n\v\f\r\x1c\x1d\x1e\x1f");
      const bool stripped = command.empty() || (first == 0 && command.find_last_not_of(" \t\n\v\f\r\x1c\x1d\x1e\x1f") == command.size() - 1);
      SPUR_FUZZ_EXPECT(valid == stripped);
      if (!valid) break;
    }
    const auto& admissible = session.admissibleCommands();
    const bool listed = std::find(admissible.begin(), admissible.end(), "xyzzy") != admissible.end();
    bool valid = !listed;
    session.step("xyzzy", &valid);
    SPUR_FUZZ_EXPECT(valid == listed);
  } catch (const spur::Error&) {
    // Render-time errors (no applicable rule, an unbound name) name the rule: documented.
  }
  return 0;
}
