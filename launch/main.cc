// spur: one binary, one subcommand per role or tool.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

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

// Edit distance, for "did you mean".
std::size_t editDistance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// CLI11 answers a mistyped subcommand with "A subcommand is required" (the word becomes an
// unexpected extra). The first word that is not an option is the command: name it and the
// nearest real one. Returns false when the command line has a known command (or none).
bool reportUnknownCommand(const CLI::App& app, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word == "--log-level") {
      ++i;
      continue;
    }
    if (word.rfind("-", 0) == 0) continue;
    std::vector<std::string> names;
    for (const CLI::App* sub : app.get_subcommands({})) names.push_back(sub->get_name());
    if (std::find(names.begin(), names.end(), word) != names.end()) return false;
    std::string nearest, all;
    std::size_t best = std::string::npos;
    for (const auto& n : names) {
      all += (all.empty() ? "" : ", ") + n;
      const std::size_t d = editDistance(word, n);
      if (d < best) best = d, nearest = n;
    }
    std::fprintf(stderr, "spur: error: unknown command '%s'", word.c_str());
    if (best <= std::max<std::size_t>(2, word.size() / 3)) std::fprintf(stderr, "; did you mean '%s'?", nearest.c_str());
    std::fprintf(stderr, "\ncommands: %s (./spur COMMAND --help for each)\n", all.c_str());
    return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  spur::reexecIfOpenBlasMisdetectsCpu(argv);
  CLI::App app{"spur: RL with online intrinsic rewards from LLM feedback (ONI) in C++", "./spur"};
  app.set_version_flag("--version", std::string("spur ") + SPUR_VERSION);
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
  if (reportUnknownCommand(app, argc, argv)) return 2;
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
