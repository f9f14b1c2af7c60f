// spur's ALFWorld engine against TextWorld: every committed golden transcript
// (tests/data/alfworld/golden/*.jsonl, recorded by tests/data/alfworld/regenerate_golden.sh
// with TextWorld 1.7.0 + alfworld 0.4.2) is replayed step by step; the feedback text and
// the admissible commands must be byte-identical, and score/won/moves equal.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "envs/alfworld/game.h"

namespace fs = std::filesystem;
using namespace spur::alfworld;

namespace {

const fs::path kData = fs::path(SPUR_TEST_REPO) / "tests/data/alfworld";

std::vector<nlohmann::json> readJsonl(const fs::path& path) {
  std::ifstream in(path);
  std::vector<nlohmann::json> rows;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

std::vector<std::string> strings(const nlohmann::json& j) { return j.get<std::vector<std::string>>(); }

// Replays one golden file; returns the number of steps compared.
int replay(const fs::path& golden) {
  const auto rows = readJsonl(golden);
  REQUIRE(rows.size() >= 1);
  const auto& head = rows[0];
  const NameStyle names = head["names"] == "ids" ? NameStyle::kIds : NameStyle::kAlfred;
  auto game = GameDefinition::load((kData / head["game"].get<std::string>()).string(), names);
  GameSession s(game);
  INFO("golden: " << golden.filename().string());
  CHECK(s.reset() == head["feedback"].get<std::string>());
  CHECK(s.admissibleCommands() == strings(head["admissible"]));
  CHECK(s.won() == head["won"].get<bool>());
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto& r = rows[i];
    INFO("step " << i << ": '" << r["action"].get<std::string>() << "'");
    CHECK(s.step(r["action"].get<std::string>()) == r["feedback"].get<std::string>());
    CHECK(s.admissibleCommands() == strings(r["admissible"]));
    CHECK(s.won() == r["won"].get<bool>());
    CHECK((s.won() ? 1 : 0) == r["score"].get<int>());
    CHECK(s.moves() == r["moves"].get<int64_t>());
  }
  return static_cast<int>(rows.size()) - 1;
}

}  // namespace

TEST_CASE("alfworld golden: every committed TextWorld transcript replays byte-identically") {
  int files = 0, steps = 0;
  for (const auto& entry : fs::directory_iterator(kData / "golden")) {
    if (entry.path().extension() != ".jsonl") continue;
    ++files;
    steps += replay(entry.path());
  }
  MESSAGE(files << " transcripts, " << steps << " steps");
  CHECK(files >= 25);
}
