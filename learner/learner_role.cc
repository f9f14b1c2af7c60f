#include "learner/learner_role.h"

#include <spdlog/spdlog.h>

#include <xxhash.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "core/process_tuning.h"
#include "core/atomic_file.h"
#include "core/curve.h"
#include "core/schema/spur.capnp.h"
#include "core/tensorboard.h"
#include "core/transport.h"
#include "learner/appo.h"
#include "learner/batch_assembler.h"
#include "learner/checkpoint.h"
#include "learner/episode_window.h"
#include "learner/intrinsic_reward.h"
#include "learner/learner_group.h"
#include "learner/learner_report.h"
#include "learner/unroll_receiver.h"
#include "models/torch_codec.h"

namespace spur {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Frames-per-second over a sliding window.
class RateWindow {
 public:
  explicit RateWindow(double seconds) : seconds_(seconds) {}
  void add(Clock::time_point t, int64_t total) {
    samples_.emplace_back(t, total);
    while (samples_.size() > 2 && std::chrono::duration<double>(t - samples_.front().first).count() > seconds_) samples_.pop_front();
  }
  double rate() const {
    if (samples_.size() < 2) return 0;
    const double dt = std::chrono::duration<double>(samples_.back().first - samples_.front().first).count();
    return dt > 0 ? static_cast<double>(samples_.back().second - samples_.front().second) / dt : 0;
  }

 private:
  double seconds_;
  std::deque<std::pair<Clock::time_point, int64_t>> samples_;
};

// learner.device for this rank: "cuda" = GPU rank % GPUs of this host.
torch::Device learnerDevice(const std::string& name, int rank) {
  if (name == "cpu") return torch::kCPU;
  if (name != "cuda" && name.rfind("cuda:", 0) != 0) throw Error(StatusCode::kInvalidArgument, "learner.device: '" + name + "' (valid: cpu, cuda, cuda:N)");
  const int64_t gpus = static_cast<int64_t>(torch::cuda::device_count());
  if (gpus == 0)
    throw Error(StatusCode::kFailedPrecondition, "learner.device: '" + name + "' but no CUDA device is visible" +
#ifdef SPUR_CUDA
                                                     std::string(" (CUDA_VISIBLE_DEVICES, driver)")
#else
                                                     std::string(" (this spur uses a CPU LibTorch: build it with SPUR_CUDA=1 ./spur build)")
#endif
    );
  int64_t index = rank % gpus;
  if (name != "cuda") {
    try {
      index = std::stoll(name.substr(5));
    } catch (const std::exception&) {
      index = -1;
    }
    if (index < 0 || index >= gpus)
      throw Error(StatusCode::kInvalidArgument, "learner.device: '" + name + "' (this host has " + std::to_string(gpus) + " CUDA devices)");
  }
  return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
}

// xxh3 of the parameters' bytes, in order: equal digests = bit-identical parameters.
uint64_t parameterDigest(PolicyNetImpl& net) {
  XXH3_state_t* state = XXH3_createState();
  XXH3_64bits_reset(state);
  for (const auto& p : net.parameters()) {
    const torch::Tensor c = p.detach().cpu().contiguous();
    XXH3_64bits_update(state, c.data_ptr(), static_cast<std::size_t>(c.numel()) * c.element_size());
  }
  const uint64_t digest = XXH3_64bits_digest(state);
  XXH3_freeState(state);
  return digest;
}

template <class T>
double meanOf(const std::deque<T>& d) {
  double s = 0;
  for (const auto& x : d) s += static_cast<double>(x);
  return d.empty() ? 0.0 : s / static_cast<double>(d.size());
}

}  // namespace

void checkLearnerDevice(const std::string& device) { learnerDevice(device, 0); }

int runLearner(const LearnerRoleOptions& o, const std::atomic<bool>& stop) {
  if (o.learner.threads < 1) throw Error(StatusCode::kInvalidArgument, "learner.threads must be >= 1");
  torch::set_num_threads(static_cast<int>(o.learner.threads));
  keepLargeBlocksInHeap();  // training batches and activations are large and short-lived
  torch::manual_seed(o.run.seed);
  const bool intrinsic = o.reward.type != RewardType::kNone;
  const int64_t T = o.learner.rollout, B = o.envs_per_actor;
  if (o.learner.batch_size % T != 0 || (o.learner.batch_size / T) % B != 0)
    throw Error(StatusCode::kInvalidArgument, "learner.batch_size (" + std::to_string(o.learner.batch_size) + ") must be a multiple of learner.rollout x actors.envs_per_process (" +
                                                  std::to_string(T * B) + ")");
  const int64_t unrolls_per_batch = o.learner.batch_size / (T * B);

  if (o.learner.lr_schedule == LrSchedule::kLinear && o.run.total_frames <= 0)
    throw Error(StatusCode::kInvalidArgument, "learner.lr_schedule: linear decays to 0 at run.total_frames, which is 0 (never)");
  // From the options alone: a learner host needs none of the env's libraries.
  const EnvSpec env_spec = envSpec(o.env);
  const auto& spec = env_spec.observations;
  const int64_t A = env_spec.actions.size();
  auto net = makePolicyNet(o.model, spec, A);
  const int world = static_cast<int>(o.learner.world_size);
  const torch::Device device = learnerDevice(o.learner.device, o.rank);
  net->to(device);  // before the optimiser takes the parameters
  AppoTrainer trainer(net, o.learner);
  spdlog::info("learner: model {} with {} parameters, {} MACs per step", enumName(o.model.type), parameterCount(*net), net->macsPerStep());
  spdlog::info("learner: {} LibTorch threads, OpenBLAS kernels for {}", o.learner.threads, openBlasCore().empty() ? "(none loaded)" : openBlasCore());

  LearnerCounters counters;
  const CheckpointStore checkpoints(fs::path(o.run_dir) / "checkpoints", o.run.keep_checkpoints);
  checkpoints.loadLatest(trainer, &counters);

  // Data parallelism: every rank loads the same checkpoint (the run directory is shared);
  // rank 0's parameters and counters are then everyone's.
  const bool leader = o.rank == 0;
  auto group = joinLearnerGroup({o.rank, world, o.learner.dist_address, o.learner.dist_interface, o.learner.dist_timeout_s,
                                 device.is_cuda() ? static_cast<int>(device.index()) : -1, o.curve, &stop});
  if (world > 1) {
    trainer.setGroup(group.get());
    trainer.broadcastParameters();
    const auto leader_counters = trainer.sumOverGroup({leader ? static_cast<double>(counters.updates) : 0.0});
    if (static_cast<int64_t>(leader_counters[0]) != counters.updates)
      throw Error(StatusCode::kFailedPrecondition, "learner rank " + std::to_string(o.rank) + " loaded the checkpoint of update " + std::to_string(counters.updates) +
                                                       ", rank 0 that of update " + std::to_string(static_cast<int64_t>(leader_counters[0])) +
                                                       ": the ranks must share one run directory (" + o.run_dir + ")");
    spdlog::info("learner: rank {} of {} joined the group at {}", o.rank, world, o.learner.dist_address);
  }

  zmq::context_t ctx(1);
  std::optional<ZapAuthenticator> zap;  // before the first CURVE bind on this context
  if (o.curve) zap.emplace(ctx, o.curve->allowed);
  UnrollLayout layout{T, B, A, net->stateSize(), env_spec.masked_actions, spec};
  UnrollReceiver receiver(ctx, o.unroll_address, static_cast<int>(o.unroll_hwm), layout, static_cast<std::size_t>(o.learner.queue_unrolls),
                          o.learner.max_policy_lag, o.curve);
  receiver.setPolicyVersion(static_cast<uint64_t>(counters.updates));
  // Only rank 0 publishes: the ranks' parameters are the same.
  std::optional<MessageSocket> pub;
  if (leader) {
    SocketOptions pub_opts;
    pub_opts.high_water_mark = static_cast<int>(o.params_hwm);
    pub_opts.curve = o.curve;
    pub.emplace(MessageSocket::bind(ctx, SocketKind::kPub, o.params_address, pub_opts));
  }
  auto publish = [&] {
    if (!pub) return;
    capnp::MallocMessageBuilder msg;
    auto p = msg.initRoot<schema::Params>();
    writeParams(p, *net, static_cast<uint64_t>(counters.updates));
    p.getSender().setRole(schema::Role::LEARNER);
    // PUB never blocks; a publication that finds no queue room is superseded by the next
    // (after every update and at least every second).
    if (!pub->send(msg, 100ms)) spdlog::debug("learner: parameters of update {} not published (queue full)", counters.updates);
  };

  // Intrinsic rewards: new message texts go out to the reward learner; its snapshots
  // come back (latest only) and are applied to every batch.
  std::optional<MessageSocket> messages_pub, rewards_sub;
  IntrinsicRewardTable reward_table;
  int64_t bad_tables = 0;
  if (intrinsic) {
    SocketOptions mo;
    mo.high_water_mark = 1000;
    mo.curve = o.curve;
    messages_pub.emplace(MessageSocket::bind(ctx, SocketKind::kPub, o.messages_address, mo));
    SocketOptions ro;
    ro.latest_only = true;
    ro.curve = o.curve;
    rewards_sub.emplace(MessageSocket::connect(ctx, SocketKind::kSub, o.rewards_address, ro));
    spdlog::info("learner: intrinsic reward '{}': new messages to {}, reward tables from {}", enumName(o.reward.type), o.messages_address, o.rewards_address);
  }
  double last_intrinsic_mean = 0, last_extrinsic_mean = 0;
  int64_t unsent_message_batches = 0;

  std::optional<TensorBoardWriter> tb;
  if (leader) {
    tb.emplace((fs::path(o.run_dir) / "tb" / "learner").string());
    tb->text("config", "```\n" + o.resolved_config + "\n```", counters.frames);
    spdlog::info("learner: listening for unrolls at {}, publishing parameters at {}", receiver.address(), o.params_address);
  } else {
    spdlog::info("learner: rank {} listening for unrolls at {}", o.rank, receiver.address());
  }

  EpisodeWindow episodes(100);
  std::deque<double> lags;
  RateWindow fps10(10), fps60(60);
  auto last_progress = Clock::now(), last_publish = Clock::now() - 1h, last_ckpt = Clock::now();
  fps10.add(Clock::now(), counters.frames);
  fps60.add(Clock::now(), counters.frames);
  std::vector<UnrollData> pending;
  std::optional<TrainStats> stats;  // of the latest update; none before the first
  bool finished = false;
  std::string group_failure;  // why the group broke up, when it did
  int64_t new_episodes = 0;   // this rank's, since its last update
  while (!stop) {
    if (Clock::now() - last_publish > 1s) {  // keeps late-joining and restarted actors fed
      publish();
      last_publish = Clock::now();
    }
    if (rewards_sub) {
      while (auto m = rewards_sub->receive(0ms)) {
        Status st = m->parse();
        if (st.isOk()) st = reward_table.apply(m->root<schema::RewardTable>());
        if (!st.isOk() && ++bad_tables % 10 == 1) spdlog::warn("learner: dropped a reward table ({}); {} so far", st.message(), bad_tables);
      }
    }
    if (auto u = receiver.pop(100ms)) {
      lags.push_back(static_cast<double>(counters.updates) - static_cast<double>(u->policy_version));
      if (lags.size() > 100) lags.pop_front();
      for (const auto& e : u->episodes) {
        episodes.add(e.episode_return, e.length, e.end_status == static_cast<int32_t>(EndStatus::kTaskSuccessful), e.metrics);
        ++new_episodes;
      }
      pending.push_back(std::move(*u));
    }
    if (static_cast<int64_t>(pending.size()) >= unrolls_per_batch) {
      AssembledBatch assembled = assembleBatch(pending, layout, o.reward, intrinsic ? &reward_table : nullptr);
      if (!assembled.messages.empty()) {
        capnp::MallocMessageBuilder out;
        auto mb = out.initRoot<schema::MessageBatch>();
        mb.setSchemaVersion(schema::CURRENT_VERSION);
        mb.getSender().setRole(schema::Role::LEARNER);
        auto texts = mb.initTexts(static_cast<unsigned>(assembled.messages.size()));
        auto ns = mb.initCounts(static_cast<unsigned>(assembled.messages.size()));
        unsigned i = 0;
        for (const auto& [text, n] : assembled.messages) {
          texts.set(i, text);
          ns.set(i++, n);
        }
        // A lost batch delays labels only: its messages come again in later batches.
        if (!messages_pub->send(out, 100ms) && ++unsent_message_batches % 10 == 1)
          spdlog::warn("learner: a message batch for the reward learner could not be sent ({} so far)", unsent_message_batches);
      }
      if (intrinsic) last_intrinsic_mean = assembled.intrinsic.mean().item<double>();
      last_extrinsic_mean = assembled.extrinsic.mean().item<double>();
      if (o.learner.lr_schedule == LrSchedule::kLinear)
        trainer.setLearningRate(o.learner.learning_rate * std::max(0.0, 1.0 - static_cast<double>(counters.frames) / static_cast<double>(o.run.total_frames)));
      try {
        // Episodes of all ranks; counted before the step so that a failure leaves the
        // parameters and the counters at the same update.
        const double episodes_all = trainer.sumOverGroup({static_cast<double>(new_episodes)})[0];
        stats = trainer.step(assembled.batch);
        counters.episodes += static_cast<int64_t>(episodes_all);
        new_episodes = 0;
      } catch (const Error& e) {
        if (e.status().code() != StatusCode::kUnavailable || world == 1) throw;
        group_failure = e.what();
        break;
      }
      counters.frames += assembled.frames * world;  // the ranks' batches have the same size
      ++counters.updates;
      pending.clear();
      receiver.setPolicyVersion(static_cast<uint64_t>(counters.updates));
      publish();
      last_publish = Clock::now();
      fps10.add(Clock::now(), counters.frames);
      fps60.add(Clock::now(), counters.frames);
      if (o.run.total_frames > 0 && counters.frames >= o.run.total_frames) finished = true;
    }

    const bool progress_due = std::chrono::duration<double>(Clock::now() - last_progress).count() >= o.run.progress_interval_s;
    if (progress_due || finished) {
      last_progress = Clock::now();
      const auto& rc = receiver.counters();
      LearnerReport report;
      report.frames = counters.frames;
      report.updates = counters.updates;
      report.episodes = counters.episodes;
      report.fps_10s = fps10.rate();
      report.fps_60s = fps60.rate();
      report.policy_lag = meanOf(lags);
      report.queue_fill = static_cast<double>(receiver.queued()) / static_cast<double>(receiver.capacity());
      report.dropped_malformed = rc.dropped_malformed;
      report.dropped_stale = rc.dropped_stale;
      report.extrinsic_mean = last_extrinsic_mean;
      if (intrinsic) {
        report.intrinsic_mean = last_intrinsic_mean;
        report.reward_table_version = reward_table.version();
        report.reward_table_size = reward_table.size();
      }
      report.episode_means = episodes.means();
      report.train = stats;
      if (tb) {
        for (const auto& [tag, value] : learnerScalars(report)) tb->scalar(tag, value, counters.frames);
        tb->flush();
      }
      spdlog::info("{}", progressLine(report));
    }
    if (leader && std::chrono::duration<double>(Clock::now() - last_ckpt).count() >= o.run.checkpoint_interval_s) {
      last_ckpt = Clock::now();
      // A periodic checkpoint that cannot be written (disk full) costs only the progress
      // since the previous one: keep training and try again at the next interval. The
      // checkpoint at stop still ends the process with an error when it fails.
      try {
        checkpoints.save(trainer, counters);
      } catch (const c10::Error& e) {
        spdlog::error("learner: checkpoint of update {} failed, training goes on (next try in {} s): {}", counters.updates, o.run.checkpoint_interval_s,
                      e.what_without_backtrace());
      } catch (const std::exception& e) {
        spdlog::error("learner: checkpoint of update {} failed, training goes on (next try in {} s): {}", counters.updates, o.run.checkpoint_interval_s, e.what());
      }
    }
    if (finished) break;
  }
  // A rank that left because it was told to stop (spur train stops all ranks at once) is a
  // stop, not a failure: give this rank's own signal a moment to arrive.
  for (int i = 0; !group_failure.empty() && !stop && i < 30; ++i) std::this_thread::sleep_for(100ms);
  const bool group_broke = !group_failure.empty() && !stop;
  if (world > 1)
    spdlog::info("learner: rank {} of {} at update {}: parameters digest {:016x}", o.rank, world, counters.updates, parameterDigest(*net));
  if (!leader) {
    if (group_broke) spdlog::error("{}", group_failure);
    return group_broke ? 3 : 0;
  }
  checkpoints.save(trainer, counters);
  if (group_broke) {
    spdlog::error("{}; stopped at update {} (checkpoint written): relaunch the job to resume from it", group_failure, counters.updates);
    return 3;
  }
  nlohmann::json summary{{"frames", counters.frames},       {"updates", counters.updates},
                         {"episodes", counters.episodes},   {"mean_return_100", episodes.mean("return")},
                         {"mean_length_100", episodes.mean("length")}, {"episode_100", episodes.means()}, {"finished", finished},
                         {"dropped_malformed", receiver.counters().dropped_malformed.load()},
                         {"dropped_stale", receiver.counters().dropped_stale.load()}};
  writeFileAtomically(fs::path(o.run_dir) / "summary.json", summary.dump(2) + "\n");
  spdlog::info("learner: {} after {} frames, {} updates; checkpoint written", finished ? "done" : "stopped", counters.frames, counters.updates);
  return 0;
}

}  // namespace spur
