// IntrinsicRewardModel: what the reward learner role keeps and trains for one
// reward.type, behind one interface: the dataset of seen messages and labels, which items
// to ask the LLM about, training, and the reward of every known message. The role owns the
// sockets, the requests to the llm_server and the snapshots; a model owns the science.
// Torch-free header: the neural models live in neural_reward_models.cc.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/reward_options.h"

namespace spur {

// Label values on the wire (spur::Label in llm_server/label.h; roles meet only through
// the schema, so the values are restated here).
enum class WireLabel : int8_t { kNone = -1, kNotHelpful = 0, kHelpful = 1, kFirst = 2, kSecond = 3, kTie = 4 };

// One thing for the LLM to label: a message (retrieval, classification) or a pair of
// messages (ranking: which shows more progress).
struct LabelRequestItem {
  std::string first;
  std::optional<std::string> second;
  // Identity for de-duplication: the text, or both texts joined by a byte that NetHack
  // messages never hold.
  std::string key() const { return second ? first + '\x1f' + *second : first; }
};

// One policy batch's distinct messages with how many steps showed each.
using MessageCounts = std::vector<std::pair<std::string, uint32_t>>;

class IntrinsicRewardModel {
 public:
  virtual ~IntrinsicRewardModel() = default;

  // Records one policy batch. Returns items to ask the LLM about: the batch's messages
  // that have no label yet (as ONI, every time they are seen: the role drops those already
  // queued or cooling down), or (ranking, only when `want_more_pairs`) freshly sampled pairs.
  virtual std::vector<LabelRequestItem> observe(const MessageCounts& batch, bool want_more_pairs) = 0;
  // Labels that came back (one call per reply; "none" answers are not passed).
  virtual void addLabels(const std::vector<std::pair<LabelRequestItem, WireLabel>>& labels) = 0;
  // Does at most `max_steps` gradient steps of the training that is due; returns how many
  // were done (0 for table models).
  virtual int64_t train(int64_t max_steps) = 0;
  // Brings rewards() up to date (new messages scored; all re-scored when due). Returns
  // whether any reward changed since the last call.
  virtual bool refresh() = 0;
  // The intrinsic reward of every known message; messages absent get 0 in the learner.
  virtual const std::unordered_map<std::string, float>& rewards() const = 0;

  // Whole state (dataset, weights, optimizer) into / from an existing directory. load
  // throws Error naming the file when it is unreadable or of another reward type.
  virtual void save(const std::filesystem::path& dir) const = 0;
  virtual void load(const std::filesystem::path& dir) = 0;

  // TensorBoard scalars (name under reward_model/, value) and a one-line summary.
  virtual std::vector<std::pair<std::string, double>> scalars() const = 0;
  virtual std::string summary() const = 0;
  // Whether it needs labels from the llm_server (offline_labels does not).
  virtual bool asksLlm() const = 0;
};

// retrieval or offline_labels (table_reward_models.cc), classification or ranking
// (neural_reward_models.cc). Throws Error naming reward.type or the bad key.
std::unique_ptr<IntrinsicRewardModel> makeRewardModel(const RewardOptions& options, uint64_t seed);
std::unique_ptr<IntrinsicRewardModel> makeTableRewardModel(const RewardOptions& options);
std::unique_ptr<IntrinsicRewardModel> makeNeuralRewardModel(const RewardOptions& options, uint64_t seed);

// Reads an offline labels file: a JSON object message -> number, "helpful" (1) or
// "not_helpful" (0). Error naming the file (and the entry) when it is unreadable or wrong.
std::unordered_map<std::string, float> loadOfflineLabels(const std::string& path);

}  // namespace spur
