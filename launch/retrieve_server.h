// `spur retrieve-server`: Search-R1's POST /retrieve API over spur's BM25 index.
#pragma once

#include <CLI/CLI.hpp>

namespace spur {

// Adds the `retrieve-server` subcommand to `app`.
void addRetrieveServerCommand(CLI::App& app);

}  // namespace spur
