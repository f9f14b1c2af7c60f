// `spur search-generate` (being written).
#pragma once

#include <CLI/CLI.hpp>

namespace spur {

// Adds the `search-generate` subcommand to `app`.
void addSearchGenerateCommand(CLI::App& app);

}  // namespace spur
