// `spur eval RUN_DIR`: plays a trained policy for N episodes and reports return, length,
// success, the env's own metrics (NetHack: depth, gold, score) and end statuses: a table of
// means with 95% intervals, and one JSON line per episode.
// `spur plot RUN_DIR...`: learning curves of one or several runs from their TensorBoard
// files, one page PNG (the venv's matplotlib through launch/plot_curves.py).
#pragma once

#include <CLI/CLI.hpp>

namespace spur {

void addEvalCommands(CLI::App& app);

}  // namespace spur
