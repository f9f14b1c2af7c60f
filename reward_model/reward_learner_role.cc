#include "reward_model/reward_learner_role.h"

#include <spdlog/fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <vector>

#include "core/atomic_file.h"
#include "core/curve.h"
#include "core/schema/spur.capnp.h"
#include "core/status.h"
#include "core/tensorboard.h"
#include "core/transport.h"
#include "reward_model/label_requests.h"
#include "reward_model/reward_messages.h"

namespace spur {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

Clock::duration seconds(double s) { return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s)); }

// Checkpoints: dir/ckpt_<n>/ written under a temporary name and renamed, then `latest`
// (temp + rename) names it; older ones beyond `keep` are removed.
std::vector<fs::path> checkpointsNewestFirst(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_directory() && e.path().filename().string().rfind("ckpt_", 0) == 0) out.push_back(e.path());
  std::sort(out.begin(), out.end(), [](const fs::path& a, const fs::path& b) { return a.filename().string() > b.filename().string(); });
  return out;
}

void saveCheckpoint(const IntrinsicRewardModel& model, const fs::path& dir, uint64_t seq, int keep) {
  fs::create_directories(dir);
  char name[32];
  std::snprintf(name, sizeof name, "ckpt_%012llu", static_cast<unsigned long long>(seq));
  const fs::path tmp = dir / (std::string(".tmp-") + name), final_path = dir / name;
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  model.save(tmp);
  fs::remove_all(final_path);
  fs::rename(tmp, final_path);
  writeFileAtomically(dir / "latest", std::string(name) + "\n");
  auto all = checkpointsNewestFirst(dir);
  for (std::size_t i = static_cast<std::size_t>(std::max(keep, 1)); i < all.size(); ++i) fs::remove_all(all[i]);
}

// Resumes from the newest readable checkpoint; returns its sequence number (0: none).
uint64_t loadNewestCheckpoint(IntrinsicRewardModel& model, const fs::path& dir) {
  for (const auto& c : checkpointsNewestFirst(dir)) {
    try {
      model.load(c);
      spdlog::info("reward_learner: resumed from {}", c.string());
      return std::stoull(c.filename().string().substr(5));
    } catch (const std::exception& e) {
      spdlog::warn("reward_learner: cannot resume from {} ({}); trying an older one", c.string(), e.what());
    }
  }
  return 0;
}

}  // namespace

int runRewardLearner(const RewardLearnerRoleOptions& o, const std::atomic<bool>& stop) {
  auto model = makeRewardModel(o.reward, o.seed);
  uint64_t checkpoint_seq = o.checkpoint_dir.empty() ? 0 : loadNewestCheckpoint(*model, o.checkpoint_dir);
  const bool ask_llm = model->asksLlm();

  zmq::context_t ctx(1);
  std::optional<ZapAuthenticator> zap;  // before the first CURVE bind on this context
  if (o.curve) zap.emplace(ctx, o.curve->allowed);
  SocketOptions so;
  so.high_water_mark = 1000;
  so.curve = o.curve;
  if (o.messages_addresses.empty()) throw Error(StatusCode::kInvalidArgument, "reward_learner: no learner message address");
  auto messages = MessageSocket::connect(ctx, SocketKind::kSub, o.messages_addresses[0], so);
  for (std::size_t i = 1; i < o.messages_addresses.size(); ++i) messages.connectAlso(o.messages_addresses[i]);
  SocketOptions po;
  po.high_water_mark = 4;
  po.curve = o.curve;
  auto rewards = MessageSocket::bind(ctx, SocketKind::kPub, o.rewards_address, po);
  std::optional<MessageSocket> llm;
  if (ask_llm) llm.emplace(MessageSocket::connect(ctx, SocketKind::kDealer, o.llm_address, so));
  std::unique_ptr<TensorBoardWriter> tb;
  if (!o.tb_dir.empty()) tb = std::make_unique<TensorBoardWriter>(o.tb_dir);
  spdlog::info("reward_learner: {} ({}), messages from {}, tables to {}{}", enumName(o.reward.type), model->summary(), fmt::join(o.messages_addresses, ", "), o.rewards_address,
               ask_llm ? ", labels from " + o.llm_address : "");

  LabelRequestQueue requests({o.reward.max_waiting, o.request_items, o.max_requests_in_flight, o.retry_no_label_s, o.request_timeout_s});
  uint64_t version = 0;
  const uint64_t instance = std::random_device{}() | (static_cast<uint64_t>(std::random_device{}()) << 32);
  int64_t no_labels = 0, refused = 0, bad = 0, labels_received = 0, train_steps = 0;
  auto last_publish = Clock::now() - 1h, last_report = Clock::now(), last_checkpoint = Clock::now();
  const auto start = Clock::now();
  bool published_once = false;

  auto publish = [&] {
    const auto& table = model->rewards();
    capnp::MallocMessageBuilder msg;
    auto t = msg.initRoot<schema::RewardTable>();
    t.setSchemaVersion(schema::CURRENT_VERSION);
    t.getSender().setRole(schema::Role::REWARD_LEARNER);
    t.setVersion(++version);
    t.setInstance(instance);
    auto texts = t.initTexts(static_cast<unsigned>(table.size()));
    auto values = t.initRewards(static_cast<unsigned>(table.size()));
    unsigned i = 0;
    for (const auto& [text, r] : table) {
      texts.set(i, text);
      values.set(i++, r);
    }
    // A snapshot PUB cannot queue is simply republished at the next interval.
    if (!rewards.send(msg, 100ms)) spdlog::debug("reward_learner: reward table {} not sent (no subscriber queue room)", version);
    last_publish = Clock::now();
    published_once = true;
  };
  auto report = [&] {
    last_report = Clock::now();
    spdlog::info("reward_learner: {} | waiting {} | in flight {} | labels {} | no label {} | refused {} | dropped {} | table version {} ({} entries)",
                 model->summary(), requests.waiting(), requests.inFlight(), labels_received, no_labels, refused, requests.dropped(), version,
                 model->rewards().size());
    if (!tb) return;
    const auto step = static_cast<int64_t>(std::chrono::duration<double>(Clock::now() - start).count());
    for (const auto& [name, value] : model->scalars()) tb->scalar("reward_model/" + name, value, step);
    tb->scalar("reward_model/version", static_cast<double>(version), step);
    tb->scalar("reward_model/table_size", static_cast<double>(model->rewards().size()), step);
    tb->scalar("reward_model/waiting", static_cast<double>(requests.waiting()), step);
    tb->scalar("reward_model/labels_received", static_cast<double>(labels_received), step);
    tb->scalar("reward_model/dropped", static_cast<double>(requests.dropped()), step);
    tb->flush();
  };

  while (!stop) {
    // New messages from the learner (one MessageBatch per policy batch). While training is
    // due the wait is short, so a busy model still reads every batch.
    if (auto m = messages.receive(train_steps > 0 ? 0ms : 10ms)) {
      MessageCounts mc;
      Status st = readMessageBatch(*m, &mc);
      if (st.isOk()) {
        try {
          const bool want_pairs = requests.waiting() < 2 * static_cast<std::size_t>(o.request_items);
          for (auto& item : model->observe(mc, want_pairs)) requests.enqueue(std::move(item));
        } catch (const std::exception& e) {
          st = Status::dataLoss(e.what());
        }
      }
      if (!st.isOk() && ++bad % 10 == 1) spdlog::warn("reward_learner: dropped a message batch ({}); {} so far", st.message(), bad);
    }

    if (llm) {
      const auto now = Clock::now();
      requests.releaseCooled(now);
      // Requests, newest items first (as ONI annotates the newest).
      while (auto r = requests.nextRequest()) {
        capnp::MallocMessageBuilder msg;
        auto q = msg.initRoot<schema::AnnotateRequest>();
        q.setSchemaVersion(schema::CURRENT_VERSION);
        q.getSender().setRole(schema::Role::REWARD_LEARNER);
        q.setRequestId(r->id);
        q.setTemplateId(o.prompt);
        auto items = q.initItems(static_cast<unsigned>(r->items.size()));
        for (std::size_t i = 0; i < r->items.size(); ++i) {
          items[static_cast<unsigned>(i)].setFirst(r->items[i].first);
          if (r->items[i].second) {
            items[static_cast<unsigned>(i)].setSecond(*r->items[i].second);
            items[static_cast<unsigned>(i)].setIsPair(true);
          }
        }
        if (!llm->send(msg, 100ms)) {  // server absent: try again later
          requests.putBack(std::move(*r));
          break;
        }
        requests.sent(std::move(*r), now);
      }
      // Replies.
      while (auto m = llm->receive(0ms)) {
        AnnotateReplyData reply;
        if (Status st = readAnnotateReply(*m, &reply); !st.isOk()) {
          if (++bad % 10 == 1) spdlog::warn("reward_learner: dropped a malformed reply ({}); {} so far", st.message(), bad);
          continue;
        }
        if (!reply.error.empty()) {
          if (requests.onRefused(reply.request_id, Clock::now())) {
            ++refused;
            spdlog::warn("reward_learner: the llm_server refused a request: {}", reply.error);
          }
          continue;
        }
        auto got = requests.onLabels(reply.request_id, reply.labels, Clock::now());
        no_labels += got.no_labels;
        labels_received += static_cast<int64_t>(got.labels.size());
        if (!got.labels.empty()) model->addLabels(got.labels);
      }
      // Requests unanswered for too long: ask again.
      requests.expire(Clock::now());
    }

    // One gradient step per pass keeps the sockets served while a model trains.
    train_steps = model->train(1);

    // Snapshots: when the rewards changed, and every few seconds for a learner that
    // (re)joined.
    const double since = std::chrono::duration<double>(Clock::now() - last_publish).count();
    if (since >= o.publish_interval_s) {
      const bool changed = model->refresh();
      if (changed || (since >= 5 && (published_once || !model->rewards().empty()))) publish();
    }

    if (!o.checkpoint_dir.empty() && Clock::now() - last_checkpoint > seconds(o.checkpoint_interval_s)) {
      last_checkpoint = Clock::now();
      try {
        saveCheckpoint(*model, o.checkpoint_dir, ++checkpoint_seq, o.keep_checkpoints);
      } catch (const std::exception& e) {
        spdlog::error("reward_learner: checkpoint failed: {}", e.what());
      }
    }

    if (Clock::now() - last_report > seconds(o.report_interval_s)) report();
  }
  report();
  if (!o.checkpoint_dir.empty()) {
    try {
      saveCheckpoint(*model, o.checkpoint_dir, ++checkpoint_seq, o.keep_checkpoints);
    } catch (const std::exception& e) {
      spdlog::error("reward_learner: final checkpoint failed: {}", e.what());
    }
  }
  spdlog::info("reward_learner: stopping ({})", model->summary());
  return 0;
}

}  // namespace spur
