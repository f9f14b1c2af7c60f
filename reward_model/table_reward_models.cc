// Table reward models: retrieval (ONI-Retrieval: the LLM's label per message, unseen = 0)
// and offline_labels (a fixed JSON table). Also the factory and the state.json helpers.
#include <cmath>
#include <fstream>
#include <unordered_set>

#include "core/atomic_file.h"
#include "core/status.h"
#include "reward_model/model_state.h"
#include "reward_model/reward_model.h"

namespace spur {

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

void writeModelState(const std::filesystem::path& dir, const nlohmann::json& state) {
  // Messages are bytes, not always UTF-8: replace invalid sequences rather than throw.
  writeFileAtomically(dir / "state.json", state.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

nlohmann::json readModelState(const std::filesystem::path& dir, const std::string& type) {
  const auto path = dir / "state.json";
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(StatusCode::kNotFound, "reward model state " + path.string() + ": cannot open");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error(StatusCode::kDataLoss, "reward model state " + path.string() + ": not JSON (" + e.what() + ")");
  }
  if (!j.is_object() || j.value("type", "") != type)
    throw Error(StatusCode::kFailedPrecondition,
                "reward model state " + path.string() + ": saved by reward.type '" + (j.is_object() ? j.value("type", "?") : "?") + "', this run uses '" + type + "'");
  return j;
}

namespace {

class TableRewardModel : public IntrinsicRewardModel {
 public:
  explicit TableRewardModel(const RewardOptions& o) : type_(enumName(o.type)), fixed_(o.type == RewardType::kOfflineLabels) {
    if (fixed_) table_ = loadOfflineLabels(o.labels_file);
  }

  std::vector<LabelRequestItem> observe(const MessageCounts& batch, bool) override {
    std::vector<LabelRequestItem> ask;
    for (const auto& [text, n] : batch) {
      seen_[text] += n;
      if (!fixed_ && !table_.count(text)) ask.push_back({text, std::nullopt});
    }
    return ask;
  }

  void addLabels(const std::vector<std::pair<LabelRequestItem, WireLabel>>& labels) override {
    for (const auto& [item, label] : labels) {
      if (item.second || (label != WireLabel::kHelpful && label != WireLabel::kNotHelpful)) continue;
      const float value = label == WireLabel::kHelpful ? 1.0f : 0.0f;
      auto [it, fresh] = table_.try_emplace(item.first, value);
      if (!fresh) {
        if (it->second == value) continue;
        positives_ -= it->second > 0;
        it->second = value;
      }
      positives_ += value > 0;
      changed_ = true;
    }
  }

  int64_t train(int64_t) override { return 0; }
  bool refresh() override {
    const bool c = changed_;
    changed_ = false;
    return c;
  }
  const std::unordered_map<std::string, float>& rewards() const override { return table_; }

  void save(const std::filesystem::path& dir) const override {
    nlohmann::json j;
    j["type"] = type_;
    j["seen"] = seen_;
    if (!fixed_) j["labels"] = table_;
    writeModelState(dir, j);
  }

  void load(const std::filesystem::path& dir) override {
    const auto j = readModelState(dir, type_);
    try {
      seen_ = j.at("seen").get<std::unordered_map<std::string, uint64_t>>();
      if (!fixed_) {
        table_ = j.at("labels").get<std::unordered_map<std::string, float>>();
        positives_ = 0;
        for (const auto& [t, v] : table_) positives_ += v > 0;
      }
    } catch (const nlohmann::json::exception& e) {
      throw Error(StatusCode::kDataLoss, "reward model state " + (dir / "state.json").string() + ": " + e.what());
    }
    changed_ = true;
  }

  std::vector<std::pair<std::string, double>> scalars() const override {
    return {{"dataset_size", static_cast<double>(table_.size())},
            {"messages_seen", static_cast<double>(seen_.size())},
            {"positive_rate", table_.empty() ? 0.0 : static_cast<double>(positives_) / static_cast<double>(table_.size())}};
  }
  std::string summary() const override {
    return "messages seen " + std::to_string(seen_.size()) + " | labelled " + std::to_string(table_.size()) + " (" + std::to_string(positives_) + " helpful)";
  }
  bool asksLlm() const override { return !fixed_; }

 private:
  std::string type_;
  bool fixed_;
  std::unordered_map<std::string, uint64_t> seen_;  // message -> steps seen
  std::unordered_map<std::string, float> table_;
  int64_t positives_ = 0;
  bool changed_ = true;
};

}  // namespace

std::unique_ptr<IntrinsicRewardModel> makeTableRewardModel(const RewardOptions& options) { return std::make_unique<TableRewardModel>(options); }

std::unique_ptr<IntrinsicRewardModel> makeRewardModel(const RewardOptions& options, uint64_t seed) {
  if (options.type == RewardType::kNone) throw Error(StatusCode::kInvalidArgument, "reward.type 'none' has no reward model (valid: retrieval, classification, ranking, offline_labels)");
  if (isNeural(options.type)) return makeNeuralRewardModel(options, seed);
  return makeTableRewardModel(options);
}

}  // namespace spur
