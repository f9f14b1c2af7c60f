// bench/learner_scaling: learner samples/s of one rank vs two data-parallel ranks (Gloo over
// loopback, one process per rank), on the NetHack network at configs/nethack_score.yaml sizes
// and random batches of T x B samples per rank. One rank gets all --cores LibTorch threads;
// each of the two ranks gets half of them, so both sides use the same cores.
//   ./spur bench learner_scaling [--steps 12] [-T 32] [-B 32] [--cores 2] [--device cuda]
// With --device cuda (the CUDA build) both ranks use GPU 0 and all-reduce with NCCL
// (bench/gpu_check.sh runs it on a lent GPU machine).
// Last line: RESULT scaling_2=X (samples/s of 2 ranks / samples/s of 1 rank).
#include <CLI/CLI.hpp>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "core/process_tuning.h"
#include "bench/nethack_batch.h"
#include "learner/appo.h"
#include "learner/learner_group.h"

namespace {

using Clock = std::chrono::steady_clock;

struct RankResult {
  double seconds = 0;      // of --steps updates, after the warm-up
  double reduce_ms = 0;    // one all-reduce of the gradient buffer alone
  int64_t parameters = 0;
};

// One rank: --steps timed updates on its own random batch.
RankResult runRank(int rank, int world, const std::string& rendezvous, int threads, int steps, int64_t T, int64_t B, bool cuda) {
  torch::set_num_threads(threads);
  const torch::Device device = cuda ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  torch::manual_seed(1);
  auto net = spur::makePolicyNet(spur::ModelOptions{}, spur::bench::netHackSpec(), spur::bench::kNetHackActions);
  net->to(device);
  spur::AppoTrainer trainer(net, spur::LearnerOptions{});
  auto group = spur::joinLearnerGroup({rank, world, rendezvous, "", 120, cuda ? 0 : -1});
  trainer.setGroup(group.get());
  torch::manual_seed(100 + static_cast<uint64_t>(rank));
  const spur::TrainBatch b = spur::onDevice(spur::bench::randomNetHackBatch(T, B, net->stateSize(), 0.01), device);
  RankResult r;
  r.parameters = 0;
  for (const auto& p : net->parameters()) r.parameters += p.numel();
  trainer.step(b);  // warm-up: allocations, first touch
  torch::Tensor flat = torch::ones({r.parameters}, torch::TensorOptions(device).dtype(torch::kFloat32));
  const auto t_reduce = Clock::now();
  for (int i = 0; i < 5; ++i) group->allReduceSum(std::span<float>(flat.data_ptr<float>(), static_cast<std::size_t>(r.parameters)));
  r.reduce_ms = 1e3 * std::chrono::duration<double>(Clock::now() - t_reduce).count() / 5;
  trainer.sumOverGroup({0.0});  // a barrier: both ranks start timing together
  const auto t0 = Clock::now();
  for (int i = 0; i < steps; ++i) trainer.step(b);  // its statistics' item() calls wait for the GPU
  r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return r;
}

int freePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return 29517;
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// Runs `world` rank processes of this binary at once and reads each one's result line.
std::vector<RankResult> runRanks(const std::string& self, int world, int threads, int steps, int64_t T, int64_t B, const std::string& device,
                                 bool separate_hosts) {
  const std::string rendezvous = "127.0.0.1:" + std::to_string(freePort());
  std::vector<FILE*> pipes;
  for (int r = 0; r < world; ++r) {
    // Two ranks on one GPU: NCCL refuses them unless they look like two hosts.
    const std::string env = separate_hosts ? "NCCL_HOSTID=bench-rank-" + std::to_string(r) + " " : "";
    const std::string cmd = env + self + " --rank " + std::to_string(r) + " --world " + std::to_string(world) + " --rendezvous " + rendezvous + " --threads " +
                            std::to_string(threads) + " --steps " + std::to_string(steps) + " -T " + std::to_string(T) + " -B " + std::to_string(B) + " --device " + device;
    pipes.push_back(popen(cmd.c_str(), "r"));
  }
  std::vector<RankResult> out;
  for (FILE* p : pipes) {
    RankResult r;
    char line[256] = {0};
    bool ok = false;
    while (p && std::fgets(line, sizeof line, p))
      if (std::sscanf(line, "rank-result %lf %lf %ld", &r.seconds, &r.reduce_ms, &r.parameters) == 3) ok = true;
    const int status = p ? pclose(p) : -1;
    if (!ok || status != 0) {
      std::fprintf(stderr, "bench learner_scaling: a rank process failed (status %d)\n", status);
      std::exit(1);
    }
    out.push_back(r);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  spur::reexecIfOpenBlasMisdetectsCpu(argv);
  CLI::App app{"Learner samples/s: one rank vs two data-parallel Gloo ranks"};
  int steps = 12, cores = 2, rank = -1, world = 1, threads = 1;
  bool separate_hosts = false;
  int64_t T = 32, B = 32;
  std::string rendezvous, device = "cpu";
  app.add_option("--steps", steps, "timed updates per measurement");
  app.add_option("-T", T, "rollout length");
  app.add_option("-B", B, "unrolls per rank's batch");
  app.add_option("--cores", cores, "LibTorch threads in all (one rank: all; two ranks: half each)");
  app.add_flag("--separate-hosts", separate_hosts, "give each rank its own NCCL_HOSTID (two NCCL ranks on one GPU)");
  app.add_option("--device", device, "cpu (Gloo) or cuda (GPU 0, NCCL; the CUDA build)")->check(CLI::IsMember({"cpu", "cuda"}));
  app.add_option("--rank", rank)->group("");  // a rank process started by this bench
  app.add_option("--world", world)->group("");
  app.add_option("--rendezvous", rendezvous)->group("");
  app.add_option("--threads", threads)->group("");
  CLI11_PARSE(app, argc, argv);
  spur::keepLargeBlocksInHeap();
  if (rank >= 0) {
    const RankResult r = runRank(rank, world, rendezvous, threads, steps, T, B, device == "cuda");
    std::printf("rank-result %.6f %.6f %ld\n", r.seconds, r.reduce_ms, r.parameters);
    return 0;
  }
  const std::string self = "/proc/" + std::to_string(getpid()) + "/exe";
  const auto one = runRanks(self, 1, cores, steps, T, B, device, separate_hosts);
  const auto two = runRanks(self, 2, std::max(1, cores / 2), steps, T, B, device, separate_hosts);
  const double samples = static_cast<double>(T * B * steps);
  const double sps1 = samples / one[0].seconds;
  const double slowest = std::max(two[0].seconds, two[1].seconds);
  const double sps2 = 2 * samples / slowest;
  std::printf("NetHack network (%ld parameters), batch T=%ld x B=%ld per rank, %d timed updates, %s, %d cores\n", one[0].parameters, T, B, steps,
              device == "cuda" ? "GPU 0 (NCCL)" : "CPU (Gloo)", cores);
  std::printf("%-44s %12s %12s %10s\n", "", "1 rank", "2 ranks", "ratio");
  std::printf("%-44s %12d %12d %10s\n", "LibTorch threads per rank", cores, std::max(1, cores / 2), "-");
  std::printf("%-44s %12.1f %12.1f %10.2f\n", "update time (ms)", 1e3 * one[0].seconds / steps, 1e3 * slowest / steps, slowest / one[0].seconds);
  std::printf("%-44s %12.0f %12.0f %10.2f\n", "learner samples/s (all ranks)", sps1, sps2, sps2 / sps1);
  std::printf("%-44s %12s %12.2f %10s\n", "gradient all-reduce alone (ms)", "-", std::max(two[0].reduce_ms, two[1].reduce_ms), "-");
  std::printf("RESULT scaling_2=%.2f\n", sps2 / sps1);
  return 0;
}
