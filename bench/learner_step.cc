// bench/learner_step: a diagnostic, not a goal -- time of one APPO learner step (forward over
// T+1, V-trace, backward, Adam) on the NetHack network at configs/nethack_score.yaml sizes,
// on random batches, and of one actor forward; --trace writes a LibTorch profile (JSON).
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>

#include <torch/csrc/autograd/profiler_legacy.h>

#include "core/process_tuning.h"
#include "bench/nethack_batch.h"
#include "learner/appo.h"

int main(int argc, char** argv) {
  spur::reexecIfOpenBlasMisdetectsCpu(argv);
  CLI::App app{"APPO learner step time"};
  int threads = 1, steps = 10;
  int64_t T = 32, B = 32;
  app.add_option("--threads", threads);
  app.add_option("--steps", steps);
  app.add_option("-T", T);
  app.add_option("-B", B);
  std::string trace;
  app.add_option("--trace", trace);
  CLI11_PARSE(app, argc, argv);
  spur::keepLargeBlocksInHeap();
  torch::set_num_threads(threads);
  auto net = spur::makePolicyNet(spur::ModelOptions{}, spur::bench::netHackSpec(), spur::bench::kNetHackActions);
  spur::AppoTrainer trainer(net, spur::LearnerOptions{});
  const spur::TrainBatch b = spur::bench::randomNetHackBatch(T, B, net->stateSize(), 0.0);
  trainer.step(b);
  const auto t0 = std::chrono::steady_clock::now();
  if (!trace.empty()) {
    torch::autograd::profiler::RecordProfile guard(trace);
    trainer.step(b);
  }
  for (int i = 0; i < steps; ++i) trainer.step(b);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / steps;
  std::printf("learner step T=%ld B=%ld threads=%d: %.1f ms, %.0f frames/s\n", T, B, threads, 1e3 * s, T * B / s);
  // forward only at actor batch
  {
    torch::NoGradGuard ng;
    spur::ObsMap o;
    for (auto& [k, v] : b.obs) o[k] = v.slice(0, 0, 1).slice(1, 0, 16).contiguous();
    auto st = torch::zeros({16, net->stateSize()});
    net->forward(o, st, torch::zeros({1, 16}));
    const auto t1 = std::chrono::steady_clock::now();
    for (int i = 0; i < 100; ++i) net->forward(o, st, torch::zeros({1, 16}));
    const double f = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count() / 100;
    std::printf("actor forward B=16: %.2f ms, %.0f frames/s\n", 1e3 * f, 16 / f);
  }
  return 0;
}
