// bench/env_nethack: NetHack env steps/s, spur against its peers, in one run.
//   (a) one spur NetHackEnv on one thread
//   (b) spur NetHackEnvs on 2 threads (one env per thread), aggregate
//   (c) NLE's Python gym env, same task, observation keys and action distribution
//   (c') the same with NLE's default observation keys (what gym.make gives a user);
//        informational: RESULT compares against (c)
//   (d) a bare loop over libnethack.so's C calls replaying exactly the keys and game
//       starts that (a) sent (its --More-- skips, quits and resets included): the same
//       NetHack work with none of the env's logic, timed per agent step of (a)
// All take uniformly random actions of the task's action set and reset at episode end.
// Prints one table and `RESULT spur_vs_python=a/c spur_vs_raw=a/d`.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <sstream>
#include <thread>

#include "core/status.h"
#include "core/subprocess.h"
#include "envs/nethack/nethack_env.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Rate {
  int64_t steps = 0;
  double seconds = 0;
  double perSecond() const { return seconds > 0 ? static_cast<double>(steps) / seconds : 0; }
};

std::vector<int64_t> randomActions(int64_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<int64_t> a(1 << 16);
  for (auto& x : a) x = static_cast<int64_t>(rng() % static_cast<uint64_t>(n));
  return a;
}

// Episode k of a run with seed s is seeded (s*1000003 + k, k), so a run can be replayed.
spur::NleSeeds episodeSeeds(uint64_t seed, uint64_t episode) { return {seed * 1000003 + episode, episode, false, std::nullopt}; }

// keys: when non-null, receives every key the env sent (-1 at each game start).
Rate runSpur(const spur::NetHackOptions& options, double seconds, uint64_t seed, std::vector<int>* keys = nullptr) {
  spur::NetHackEnv env(options, static_cast<int>(seed));
  if (keys) keys->reserve(1 << 24);
  env.setKeyLog(keys);
  const auto actions = randomActions(env.actionSpace().size(), seed);
  uint64_t episode = 0;
  env.resetWithSeeds(episodeSeeds(seed, episode));
  Rate r;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration<double>(seconds);
  while (Clock::now() < deadline) {
    for (int i = 0; i < 256; ++i) {
      if (env.step(actions[static_cast<std::size_t>(r.steps++) & 0xFFFF]).done) env.resetWithSeeds(episodeSeeds(seed, ++episode));
    }
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return r;
}

// Replays exactly the keys and game starts of run (a) through the bare C calls: the same
// NetHack work without the env's logic, so (a)/(d) is what the env layer costs.
Rate runRaw(const spur::NetHackOptions& options, const std::vector<int>& keys, uint64_t seed) {
  // The same buffers the env computes.
  std::vector<int16_t> glyphs(21 * 79);
  std::vector<uint8_t> chars(21 * 79), colors(21 * 79), message(256);
  std::vector<long> blstats(27);
  std::vector<int> program_state(6), internal(9);
  spur::nle::Observation obs{};
  obs.glyphs = glyphs.data();
  obs.chars = chars.data();
  obs.colors = colors.data();
  obs.blstats = blstats.data();
  obs.message = message.data();
  obs.program_state = program_state.data();
  obs.internal = internal.data();
  const std::string nh = spur::netHackOptionsString(options);
  spur::NleGame game(spur::locateNlePackage({options.nle_path, options.python}), {nh, true, ""}, obs);
  Rate r;
  uint64_t episode = 0;
  const auto start = Clock::now();
  for (const int k : keys) {
    if (k < 0) {
      game.start(episodeSeeds(seed, episode++), nullptr, "");
    } else {
      game.step(k);
    }
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return r;
}

// keys: comma-separated observation keys, or "default" for NLE's defaults.
Rate runPython(const spur::NetHackOptions& options, double seconds, const std::string& python, const std::string& keys) {
  spur::SubprocessResult out;
  spur::throwIfError(spur::runSubprocess({python, SPUR_BENCH_PY_SCRIPT, "--task", options.task, "--keys", keys, "--seconds",
                                          std::to_string(seconds)},
                                         &out));
  Rate r;
  if (out.exit_code != 0 || std::sscanf(out.output.c_str(), "steps=%ld seconds=%lf", &r.steps, &r.seconds) != 2)
    throw spur::Error(spur::StatusCode::kInternal, "the Python benchmark failed: " + out.output);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"NetHack env steps/s: spur vs NLE's Python env vs the raw C loop"};
  double seconds = 3.0;
  std::string python = std::getenv("SPUR_PYTHON") ? std::getenv("SPUR_PYTHON") : SPUR_BENCH_PYTHON;
  spur::NetHackOptions options;
  options.task = "Score";
  int rounds = 3;
  app.add_option("--seconds", seconds, "Seconds per measurement")->capture_default_str();
  app.add_option("--rounds", rounds, "Rounds of (a), (c), (c'), (d); the median round is shown")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--task", options.task, "NLE task (Score, Staircase, ...)")->capture_default_str();
  app.add_option("--python", python, "Python with nle installed")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  try {
    std::string obs_keys;
    for (const auto& k : options.observation_keys) obs_keys += (obs_keys.empty() ? "" : ",") + k;
    std::printf("bench env_nethack: task %s, actions = the task's, observations = %s, %.1f s each, median of %d rounds, uniform random actions\n",
                options.task.c_str(), obs_keys.c_str(), seconds, rounds);
    // Rounds interleave the modes so that a noisy neighbour hurts all of them alike; the
    // table shows each mode's median round.
    std::vector<Rate> as, cs, c2s, ds;
    std::vector<int> keys;
    for (int round = 0; round < rounds; ++round) {
      keys.clear();
      as.push_back(runSpur(options, seconds, 1 + static_cast<uint64_t>(round), &keys));
      ds.push_back(runRaw(options, keys, 1 + static_cast<uint64_t>(round)));
      ds.back().steps = as.back().steps;  // the same agent steps, timed as their C calls
      cs.push_back(runPython(options, seconds, python, obs_keys));
      c2s.push_back(runPython(options, seconds, python, "default"));
    }
    auto median = [](std::vector<Rate> v) {
      std::sort(v.begin(), v.end(), [](const Rate& x, const Rate& y) { return x.perSecond() < y.perSecond(); });
      return v[v.size() / 2];
    };
    const Rate a = median(as), c = median(cs), c2 = median(c2s), d = median(ds);
    Rate b;
    {
      std::vector<Rate> rates(2);
      std::thread t0([&] { rates[0] = runSpur(options, seconds, 100); });
      std::thread t1([&] { rates[1] = runSpur(options, seconds, 101); });
      t0.join();
      t1.join();
      b.steps = rates[0].steps + rates[1].steps;
      b.seconds = std::max(rates[0].seconds, rates[1].seconds);
    }
    std::printf("\n%-46s %12s %10s\n", "mode", "steps/s", "vs (a)");
    auto row = [&](const char* name, const Rate& r) { std::printf("%-46s %12.0f %10.2f\n", name, r.perSecond(), r.perSecond() / a.perSecond()); };
    row("(a) spur NetHackEnv, 1 env, 1 thread", a);
    row("(b) spur NetHackEnv, 2 threads x 1 env", b);
    row("(c) nle 1.2.0 Python gym env, same observations", c);
    row("(c') same, NLE's default observation keys", c2);
    row("(d) raw C calls replaying (a)'s keys", d);
    std::printf("(a)'s last round sent %zu keys to NetHack (%zu game starts)\n", keys.size(),
                static_cast<std::size_t>(std::count(keys.begin(), keys.end(), -1)));
    std::printf("\nRESULT spur_vs_python=%.2f spur_vs_raw=%.2f\n", a.perSecond() / c.perSecond(), a.perSecond() / d.perSecond());
  } catch (const spur::Error& e) {
    std::fprintf(stderr, "bench env_nethack: %s\n", e.what());
    return 1;
  }
  return 0;
}
