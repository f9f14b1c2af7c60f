// spur: one binary, one subcommand per role or tool.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>

#include "core/logging.h"
#include "core/process_tuning.h"
#include "core/status.h"
#include "launch/alfworld_generate.h"
#include "launch/slurm/slurm_job.h"
#include "launch/retrieve_server.h"
#include "launch/search_generate.h"
#include "launch/annotate.h"
#include "launch/eval.h"
#include "launch/rollout.h"
#include "launch/train.h"

namespace {

// "spur learner", "spur train", ...: which role or tool failed, for the last line it prints.
std::string commandName(const CLI::App& app) {
  std::string name = "spur";
  for (const CLI::App* sub : app.get_subcommands()) name += " " + sub->get_name();
  return name;
}

// The first `n` lines of an exception message: LibTorch appends a long C++ backtrace.
std::string firstLines(const std::string& text, int n) {
  std::size_t pos = 0;
  for (int i = 0; i < n; ++i) {
    pos = text.find('\n', pos);
    if (pos == std::string::npos) return text;
    ++pos;
  }
  return text.substr(0, pos - 1) + " [...]";
}

}  // namespace

int main(int argc, char** argv) {
  spur::reexecIfOpenBlasMisdetectsCpu(argv);
  CLI::App app{"spur: RL with online intrinsic rewards from LLM feedback (ONI) in C++"};
  app.require_subcommand(1);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")->capture_default_str();
  app.parse_complete_callback([&] { spur::throwIfError(spur::initLogging({log_level, "", "spur"})); });
  spur::addRolloutCommand(app);
  spur::addTrainCommands(app);
  spur::addLaunchCommands(app);
  spur::addAnnotateCommand(app);
  spur::addEvalCommands(app);
  spur::addAlfworldGenerateCommand(app);
  spur::addSearchGenerateCommand(app);
  spur::addRetrieveServerCommand(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const spur::Error& e) {
    std::fprintf(stderr, "%s: error: %s\n", commandName(app).c_str(), e.what());
    return 2;
  } catch (const std::filesystem::filesystem_error& e) {
    // what() names the operation and the paths ("filesystem error: cannot rename: No space left on device [a] [b]").
    std::fprintf(stderr, "%s: error: %s\n", commandName(app).c_str(), e.what());
    return 1;
  } catch (const std::exception& e) {
    // LibTorch's c10::Error, std::bad_alloc, ...: nothing below us knew how to handle it,
    // but the user still learns which role failed and why instead of std::terminate.
    std::fprintf(stderr, "%s: error: %s\n", commandName(app).c_str(), firstLines(e.what(), 6).c_str());
    return 1;
  } catch (...) {
    std::fprintf(stderr, "%s: error: an unknown exception ended the process\n", commandName(app).c_str());
    return 1;
  }
  return 0;
}
