#include "reward_model/reward_learner_role.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/schema/spur.capnp.h"
#include "core/status.h"
#include "core/tensorboard.h"
#include "core/transport.h"

namespace spur {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Label values on the wire (spur::Label in llm_server/label.h; roles meet only through
// the schema, so the two values used here are restated).
constexpr int8_t kWireHelpful = 1, kWireNone = -1;

}  // namespace

std::unordered_map<std::string, float> loadOfflineLabels(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(StatusCode::kNotFound, "reward.labels_file " + path + ": cannot open");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error(StatusCode::kInvalidArgument, "reward.labels_file " + path + ": not JSON (" + e.what() + ")");
  }
  if (!j.is_object()) throw Error(StatusCode::kInvalidArgument, "reward.labels_file " + path + ": expected an object {\"message\": reward}");
  std::unordered_map<std::string, float> table;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const auto& v = it.value();
    if (v.is_number() && std::isfinite(v.get<double>())) table[it.key()] = v.get<float>();
    else if (v == "helpful") table[it.key()] = 1.0f;
    else if (v == "not_helpful") table[it.key()] = 0.0f;
    else throw Error(StatusCode::kInvalidArgument, "reward.labels_file " + path + ": the value for \"" + it.key().substr(0, 60) + "\" must be a number, \"helpful\" or \"not_helpful\"");
  }
  return table;
}

namespace {

struct Request {
  std::vector<std::string> texts;
  std::vector<bool> answered;
  Clock::time_point sent;
};

}  // namespace

int runRewardLearner(const RewardLearnerRoleOptions& o, const std::atomic<bool>& stop) {
  const bool offline = o.reward.type == "offline_labels";
  if (!offline && o.reward.type != "retrieval")
    throw Error(StatusCode::kInvalidArgument, "reward.type '" + o.reward.type + "' has no reward learner (valid: retrieval, offline_labels)");
  std::unordered_map<std::string, float> table;  // the snapshot the learner gets
  if (offline) table = loadOfflineLabels(o.reward.labels_file);

  zmq::context_t ctx(1);
  SocketOptions so;
  so.high_water_mark = 1000;
  auto messages = MessageSocket::connect(ctx, SocketKind::kSub, o.messages_address, so);
  SocketOptions po;
  po.high_water_mark = 4;
  auto rewards = MessageSocket::bind(ctx, SocketKind::kPub, o.rewards_address, po);
  std::optional<MessageSocket> llm;
  if (!offline) llm.emplace(MessageSocket::connect(ctx, SocketKind::kDealer, o.llm_address, so));
  std::unique_ptr<TensorBoardWriter> tb;
  if (!o.tb_dir.empty()) tb = std::make_unique<TensorBoardWriter>(o.tb_dir);
  spdlog::info("reward_learner: {} ({} messages known), messages from {}, tables to {}{}", o.reward.type, table.size(), o.messages_address,
               o.rewards_address, offline ? "" : ", labels from " + o.llm_address);

  std::unordered_set<std::string> seen;        // every message the learner sent
  std::deque<std::string> to_ask;              // newest at the back (asked first)
  std::unordered_set<std::string> queued;      // to_ask or in flight
  std::deque<std::pair<Clock::time_point, std::string>> retry;  // "no label" answers, asked again later
  std::unordered_map<uint64_t, Request> in_flight;
  uint64_t next_request = 1, version = 0;
  int64_t positives = 0, no_labels = 0, refused = 0, bad = 0;
  bool changed = true;
  auto last_publish = Clock::now() - 1h, last_report = Clock::now();
  const auto start = Clock::now();

  auto publish = [&] {
    capnp::MallocMessageBuilder msg;
    auto t = msg.initRoot<schema::RewardTable>();
    t.setSchemaVersion(schema::CURRENT_VERSION);
    t.getSender().setRole(schema::Role::REWARD_LEARNER);
    t.setVersion(++version);
    auto texts = t.initTexts(static_cast<unsigned>(table.size()));
    auto values = t.initRewards(static_cast<unsigned>(table.size()));
    unsigned i = 0;
    for (const auto& [text, r] : table) {
      texts.set(i, text);
      values.set(i++, r);
    }
    rewards.send(msg, 100ms);
    last_publish = Clock::now();
    changed = false;
  };

  while (!stop) {
    // New messages from the learner.
    if (auto m = messages.receive(10ms)) {
      Status st = m->parse();
      if (st.isOk()) {
        try {
          auto batch = m->root<schema::MessageBatch>();
          if (batch.getSchemaVersion() != schema::CURRENT_VERSION) throw Error(StatusCode::kDataLoss, "schema version " + std::to_string(batch.getSchemaVersion()));
          for (auto text : batch.getTexts()) {
            std::string s(text.cStr(), text.size());
            if (!seen.insert(s).second || offline || table.count(s)) continue;
            if (queued.insert(s).second) to_ask.push_back(std::move(s));
          }
        } catch (const std::exception& e) {
          st = Status::dataLoss(e.what());
        }
      }
      if (!st.isOk() && ++bad % 10 == 1) spdlog::warn("reward_learner: dropped a message batch ({}); {} so far", st.message(), bad);
    }

    if (llm) {
      // Items answered "no label" are asked again after a while.
      while (!retry.empty() && retry.front().first <= Clock::now()) {
        if (queued.insert(retry.front().second).second) to_ask.push_back(retry.front().second);
        retry.pop_front();
      }
      // Requests, newest messages first (as ONI annotates the newest).
      while (!to_ask.empty() && static_cast<int64_t>(in_flight.size()) < o.max_requests_in_flight) {
        Request r;
        while (!to_ask.empty() && static_cast<int64_t>(r.texts.size()) < o.request_items) {
          r.texts.push_back(std::move(to_ask.back()));
          to_ask.pop_back();
        }
        capnp::MallocMessageBuilder msg;
        auto q = msg.initRoot<schema::AnnotateRequest>();
        q.setSchemaVersion(schema::CURRENT_VERSION);
        q.getSender().setRole(schema::Role::REWARD_LEARNER);
        q.setRequestId(next_request);
        q.setTemplateId(o.prompt);
        auto items = q.initItems(static_cast<unsigned>(r.texts.size()));
        for (std::size_t i = 0; i < r.texts.size(); ++i) items[static_cast<unsigned>(i)].setFirst(r.texts[i]);
        if (!llm->send(msg, 100ms)) {  // server absent: put them back, try again later
          for (auto& t : r.texts) to_ask.push_back(std::move(t));
          break;
        }
        r.answered.assign(r.texts.size(), false);
        r.sent = Clock::now();
        in_flight[next_request++] = std::move(r);
      }
      // Replies.
      while (auto m = llm->receive(0ms)) {
        if (!m->parse().isOk()) {
          ++bad;
          continue;
        }
        auto reply = m->root<schema::AnnotateReply>();
        auto it = in_flight.find(reply.getRequestId());
        if (it == in_flight.end()) continue;
        Request& r = it->second;
        if (reply.hasError() && reply.getError().size() > 0) {
          ++refused;
          spdlog::warn("reward_learner: the llm_server refused a request: {}", reply.getError().cStr());
          for (std::size_t i = 0; i < r.texts.size(); ++i)
            if (!r.answered[i]) retry.push_back({Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.retry_no_label_s)), r.texts[i]});
          for (const auto& t : r.texts) queued.erase(t);
          in_flight.erase(it);
          continue;
        }
        for (auto e : reply.getLabels()) {
          const uint32_t i = e.getIndex();
          if (i >= r.texts.size() || r.answered[i]) continue;
          r.answered[i] = true;
          queued.erase(r.texts[i]);
          if (e.getLabel() == kWireNone) {
            ++no_labels;
            retry.push_back({Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.retry_no_label_s)), r.texts[i]});
            continue;
          }
          const float value = e.getLabel() == kWireHelpful ? 1.0f : 0.0f;
          positives += value > 0;
          table[r.texts[i]] = value;
          changed = true;
        }
        if (std::all_of(r.answered.begin(), r.answered.end(), [](bool a) { return a; })) in_flight.erase(it);
      }
      // Requests unanswered for too long: ask again.
      for (auto it = in_flight.begin(); it != in_flight.end();) {
        if (Clock::now() - it->second.sent < std::chrono::duration<double>(o.request_timeout_s)) {
          ++it;
          continue;
        }
        for (std::size_t i = 0; i < it->second.texts.size(); ++i)
          if (!it->second.answered[i]) to_ask.push_back(it->second.texts[i]);
        it = in_flight.erase(it);
      }
    }

    // Snapshots: when something changed, and every few seconds for a learner that (re)joined.
    const double since = std::chrono::duration<double>(Clock::now() - last_publish).count();
    if ((changed && since >= o.publish_interval_s) || since >= 5) publish();

    if (Clock::now() - last_report > 10s) {
      last_report = Clock::now();
      spdlog::info("reward_learner: messages seen {} | labelled {} ({} helpful) | waiting {} | in flight {} | no label {} | table version {}", seen.size(),
                   table.size(), positives, to_ask.size(), in_flight.size(), no_labels, version);
      if (tb) {
        const auto step = static_cast<int64_t>(std::chrono::duration<double>(Clock::now() - start).count());
        tb->scalar("reward_model/dataset_size", static_cast<double>(table.size()), step);
        tb->scalar("reward_model/messages_seen", static_cast<double>(seen.size()), step);
        tb->scalar("reward_model/positive_rate", table.empty() ? 0.0 : static_cast<double>(positives) / static_cast<double>(table.size()), step);
        tb->scalar("reward_model/version", static_cast<double>(version), step);
        tb->scalar("reward_model/waiting", static_cast<double>(to_ask.size()), step);
        tb->flush();
      }
    }
  }
  spdlog::info("reward_learner: stopping with {} labelled messages", table.size());
  return 0;
}

}  // namespace spur
