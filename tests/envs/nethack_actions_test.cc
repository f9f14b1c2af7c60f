#include <doctest/doctest.h>

#include "core/status.h"
#include "envs/nethack/actions.h"
#include "envs/nethack/tasks.h"

using spur::ActionSet;

TEST_CASE("actions: set sizes and keys match NLE and ONI") {
  CHECK(spur::actionSetKeys(ActionSet::kFull).size() == 121);
  CHECK(spur::actionSetKeys(ActionSet::kUseful).size() == 86);
  CHECK(spur::actionSetKeys(ActionSet::kTask).size() == 23);
  const auto& oni = spur::actionSetKeys(ActionSet::kOniExtended);
  REQUIRE(oni.size() == 28);
  CHECK(oni[0].key == '\r');   // MORE
  CHECK(oni[8].key == 'y');    // NW: the key ONI turns into "eat the first item"
  CHECK(oni[23].key == 'Z');   // CAST
  CHECK(oni[25].key == 240);   // PRAY = M-p
  CHECK(oni[27].key == 'p');   // PAY
  const auto& full = spur::actionSetKeys(ActionSet::kFull);
  CHECK(full[65].key == 241);  // QUIT = M-q
  CHECK(full.back().key == '$');
  const auto& useful = spur::actionSetKeys(ActionSet::kUseful);
  CHECK(useful.back().key == ' ');
}

TEST_CASE("actions: unknown set names list the valid ones") {
  CHECK(spur::parseActionSet("oni_extended") == ActionSet::kOniExtended);
  try {
    spur::parseActionSet("extended");
    FAIL("expected an error");
  } catch (const spur::Error& e) {
    CHECK(std::string(e.what()) == "unknown action set 'extended' (valid: full, useful, task, oni_extended)");
  }
}

TEST_CASE("tasks: every task is found by name and unknown names list the valid ones") {
  CHECK(spur::netHackTasks().size() == 18);
  for (const auto& t : spur::netHackTasks()) CHECK(&spur::findNetHackTask(t.name) == &t);
  try {
    spur::findNetHackTask("Sc0re");
    FAIL("expected an error");
  } catch (const spur::Error& e) {
    CHECK(std::string(e.what()).find("unknown NetHack task 'Sc0re' (valid: NetHack, Score, Staircase") == 0);
  }
}
