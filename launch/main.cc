// spur: one binary, one subcommand per role or tool.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <cstdio>

#include "core/logging.h"
#include "core/process_tuning.h"
#include "core/status.h"
#include "launch/annotate.h"
#include "launch/rollout.h"
#include "launch/train.h"

int main(int argc, char** argv) {
  spur::reexecIfOpenBlasMisdetectsCpu(argv);
  CLI::App app{"spur: RL with online intrinsic rewards from LLM feedback (ONI) in C++"};
  app.require_subcommand(1);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")->capture_default_str();
  app.parse_complete_callback([&] { spur::throwIfError(spur::initLogging({log_level, "", "spur"})); });
  spur::addRolloutCommand(app);
  spur::addTrainCommands(app);
  spur::addAnnotateCommand(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const spur::Error& e) {
    std::fprintf(stderr, "spur: error: %s\n", e.what());
    return 2;
  }
  return 0;
}
