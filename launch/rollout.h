// `spur rollout`: play an env with given actions and write one JSON line per step.
#pragma once

#include <CLI/CLI.hpp>

namespace spur {

// Adds the `rollout` subcommand to `app`; its callback runs the rollout and throws
// spur::Error on bad input.
void addRolloutCommand(CLI::App& app);

}  // namespace spur
