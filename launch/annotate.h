// `spur annotate`: label a file of messages (or message pairs) through the configured
// backend -- offline annotation as Motif does, and how users try out a prompt.
#pragma once

#include <CLI/CLI.hpp>

namespace spur {

// Adds the `annotate` subcommand; its callback throws spur::Error on bad input.
void addAnnotateCommand(CLI::App& app);

}  // namespace spur
