#include "launch/search_generate.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <string>

#include "envs/search/world_generator.h"

namespace spur {
namespace {

struct SearchGenerateArgs {
  std::string out;
  search::WorldOptions options;
};

void runSearchGenerate(const SearchGenerateArgs& a) {
  const auto start = std::chrono::steady_clock::now();
  const search::GeneratedWorld world = search::generateSearchWorld(a.options);
  search::writeSearchWorld(world, a.options, a.out);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  spdlog::info("search-generate: wrote {} passages, train {} questions ({}), test {} questions ({}) to {} in {:.1f} s "
               "(seed {}, {} entities, test fraction {})",
               world.corpus.size(), world.train.size(), search::describeQuestionMix(world.train), world.test.size(),
               search::describeQuestionMix(world.test), a.out, seconds, a.options.seed, a.options.entities,
               a.options.test_fraction);
}

}  // namespace

void addSearchGenerateCommand(CLI::App& app) {
  auto a = std::make_shared<SearchGenerateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "search-generate",
      "Generate a fictional search world: corpus.jsonl, train.jsonl (world 0), test.jsonl (held-out world 1), world.json");
  cmd->add_option("--out", a->out, "Output directory (must not exist, or be empty)")->required();
  cmd->add_option("--seed", a->options.seed, "Seed: same options give byte-identical files")->capture_default_str();
  cmd->add_option("--entities", a->options.entities, "Entities over both worlds (about 5 passages each)")
      ->check(CLI::Range(int64_t{100}, int64_t{50'000'000}))
      ->capture_default_str();
  cmd->add_option("--test-fraction", a->options.test_fraction, "Share of entities and questions in the held-out test world")
      ->check(CLI::Range(0.001, 0.999))
      ->capture_default_str();
  cmd->add_option("--questions-per-entity", a->options.questions_per_entity, "Questions per entity of each world")
      ->check(CLI::Range(0.001, 10.0))
      ->capture_default_str();
  cmd->callback([a] { runSearchGenerate(*a); });
}

}  // namespace spur
