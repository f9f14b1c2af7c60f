// `spur train` (the launcher) and the role subcommands `spur learner` and `spur actor`.
#pragma once

#include <CLI/CLI.hpp>

namespace spur {

// Adds `train`, `learner` and `actor` to the CLI.
void addTrainCommands(CLI::App& app);

}  // namespace spur
