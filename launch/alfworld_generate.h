// `spur alfworld-generate`: write solvable ALFWorld games (envs/alfworld/generator.h).
#pragma once

#include <CLI/CLI.hpp>

namespace spur {

// Adds the `alfworld-generate` subcommand to `app`.
void addAlfworldGenerateCommand(CLI::App& app);

}  // namespace spur
