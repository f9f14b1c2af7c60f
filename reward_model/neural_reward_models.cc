// Neural reward models on the message text, trained online on LLM labels (ONI):
//   classification: a byte-level conv classifier, cross-entropy on helpful / not helpful;
//                   reward 1 when P(helpful) > threshold (or P itself);
//   ranking:        a reward network trained as a Bradley-Terry model on the LLM's
//                   preferences between two messages; rewards normalised by the
//                   occurrence-weighted mean/std over the messages seen, and zeroed at or
//                   below a quantile.
// Both score every message the learner has reported and hand the role a table; the learner
// never runs them (see docs/architecture.md, "Reward models").
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <sstream>

#include "core/atomic_file.h"
#include "core/status.h"
#include "reward_model/model_state.h"
#include "reward_model/reward_model.h"

namespace spur {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int64_t kMessageBytes = 256;  // NLE's message length

// ONI's message encoder (lt_cnn): byte embedding 256 x 32 (0 = padding) -> conv k7 64 ->
// pool 3 -> conv k7 64 -> pool 3 -> 4 x conv k3 64 -> pool 3 -> 5 x 64 = 320 -> FC 128.
struct MessageEncoderImpl : torch::nn::Module {
  MessageEncoderImpl() {
    embedding = register_module("embedding", torch::nn::Embedding(torch::nn::EmbeddingOptions(256, 32).padding_idx(0)));
    for (int i = 0; i < 6; ++i) {
      const int64_t in = i == 0 ? 32 : 64, k = i < 2 ? 7 : 3;
      convs.push_back(register_module("conv" + std::to_string(i), torch::nn::Conv1d(torch::nn::Conv1dOptions(in, 64, k))));
    }
    fc = register_module("fc", torch::nn::Linear(320, 128));
  }
  // bytes [N, 256] int64 -> [N, 128]
  torch::Tensor forward(const torch::Tensor& bytes) {
    auto x = embedding(bytes).transpose(1, 2);  // [N, 32, 256]
    for (std::size_t i = 0; i < convs.size(); ++i) {
      x = torch::relu(convs[i](x));
      if (i <= 1 || i == 5) x = torch::max_pool1d(x, 3);
    }
    return torch::relu(fc(x.flatten(1)));
  }
  torch::nn::Embedding embedding{nullptr};
  std::vector<torch::nn::Conv1d> convs;
  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(MessageEncoder);

// Classification: encoder -> MLP 512, 512 (ReLU) -> dropout 0.1 -> 2 logits. Ranking:
// encoder -> 256 -> 512 (ReLU) -> 1 reward.
struct TextRewardNetImpl : torch::nn::Module {
  explicit TextRewardNetImpl(bool classifier) : classifier(classifier) {
    encoder = register_module("encoder", MessageEncoder());
    h1 = register_module("h1", torch::nn::Linear(128, classifier ? 512 : 256));
    h2 = register_module("h2", torch::nn::Linear(classifier ? 512 : 256, 512));
    out = register_module("out", torch::nn::Linear(512, classifier ? 2 : 1));
    dropout = register_module("dropout", torch::nn::Dropout(classifier ? 0.1 : 0.0));
  }
  // [N, 256] bytes -> [N, 2] logits (classifier) or [N] rewards
  torch::Tensor forward(const torch::Tensor& bytes) {
    auto x = torch::relu(h2(torch::relu(h1(encoder(bytes)))));
    x = out(dropout(x));
    return classifier ? x : x.squeeze(1);
  }
  bool classifier;
  MessageEncoder encoder{nullptr};
  torch::nn::Linear h1{nullptr}, h2{nullptr}, out{nullptr};
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(TextRewardNet);

// reward.device; Error naming the key when CUDA is asked for and not there.
torch::Device rewardDevice(const std::string& name) {
  if (name == "cpu") return torch::kCPU;
  if (name != "cuda" && name.rfind("cuda:", 0) != 0) throw Error(StatusCode::kInvalidArgument, "reward.device: '" + name + "' (valid: cpu, cuda, cuda:N)");
  const auto gpus = static_cast<int64_t>(torch::cuda::device_count());
  int64_t index = 0;
  try {
    index = name == "cuda" ? 0 : std::stoll(name.substr(5));
  } catch (const std::exception&) {
    index = -1;
  }
  if (gpus == 0 || index < 0 || index >= gpus)
    throw Error(StatusCode::kFailedPrecondition, "reward.device: '" + name + "' but this host has " + std::to_string(gpus) + " visible CUDA devices" +
                                                     (gpus == 0 ? " (a CPU LibTorch, or no driver)" : ""));
  return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
}

TextRewardNet onDevice(TextRewardNet net, torch::Device device) {
  net->to(device);
  return net;
}

torch::Tensor encodeTexts(const std::vector<const std::string*>& texts) {
  auto t = torch::zeros({static_cast<int64_t>(texts.size()), kMessageBytes}, torch::kInt64);
  int64_t* p = t.data_ptr<int64_t>();
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const auto& s = *texts[i];
    const std::size_t n = std::min<std::size_t>(s.size(), kMessageBytes);
    for (std::size_t k = 0; k < n; ++k) p[static_cast<int64_t>(i) * kMessageBytes + static_cast<int64_t>(k)] = static_cast<unsigned char>(s[k]);
  }
  return t;
}

// Shared by both models: the messages seen (interned, with step counts), the network, its
// optimizer, the training schedule (ONI: `steps_per_label_batch` steps after each batch of
// new labels while the dataset is small, then one per policy batch) and the scoring of all
// seen messages (new ones at once, all of them when the model changed and a re-score is due).
class NeuralRewardModel : public IntrinsicRewardModel {
 public:
  NeuralRewardModel(const RewardOptions& o, uint64_t seed, bool classifier)
      : o_(o),
        device_(rewardDevice(o.device)),
        net_(onDevice(TextRewardNet(classifier), device_)),  // before the optimiser takes its parameters
        optimizer_(net_->parameters(), torch::optim::AdamOptions(o.model_lr)),
        rng_(seed) {}

  int64_t train(int64_t max_steps) override {
    int64_t done = 0;
    while (done < max_steps && due_steps_ > 0 && datasetSize() > 0) {
      net_->train();
      const double loss = trainStep();
      loss_ema_ = steps_ == 0 ? loss : 0.95 * loss_ema_ + 0.05 * loss;
      ++steps_;
      ++done;
      --due_steps_;
    }
    if (done > 0) trained_since_scoring_ = true;
    return done;
  }

  bool refresh() override {
    if (steps_ == 0) return false;  // an untrained network's scores would be noise
    const auto now = Clock::now();
    const double since = std::chrono::duration<double>(now - last_full_).count();
    // A full re-score costs ~7 M MACs per message; keep it under a quarter of the time.
    const bool full = trained_since_scoring_ && (scored_ == 0 || since >= std::max(o_.reevaluate_interval_s, 4.0 * full_cost_s_));
    const std::size_t from = full ? 0 : scored_;
    if (from == texts_.size() && !full) return false;
    score(from);
    if (full) {
      full_cost_s_ = std::chrono::duration<double>(Clock::now() - now).count();
      last_full_ = Clock::now();
      trained_since_scoring_ = false;
    }
    scored_ = texts_.size();
    makeRewards();
    return true;
  }
  const std::unordered_map<std::string, float>& rewards() const override { return rewards_; }
  bool asksLlm() const override { return true; }

 protected:
  virtual std::size_t datasetSize() const = 0;
  virtual double trainStep() = 0;          // one gradient step; returns the loss
  virtual void makeRewards() = 0;          // rewards_ from raw_ (and counts_)

  // Interns a message; counts its steps.
  int64_t intern(const std::string& text, uint32_t n) {
    auto [it, fresh] = index_.try_emplace(text, static_cast<int64_t>(texts_.size()));
    if (fresh) {
      texts_.push_back(text);
      counts_.push_back(0);
      raw_.push_back(0.0f);
    }
    counts_[static_cast<std::size_t>(it->second)] += n;
    return it->second;
  }
  // The network's raw output for texts_[from..]: P(helpful) or the reward.
  void score(std::size_t from) {
    torch::NoGradGuard no_grad;
    net_->eval();
    constexpr std::size_t kChunk = 512;
    for (std::size_t i = from; i < texts_.size(); i += kChunk) {
      std::vector<const std::string*> chunk;
      for (std::size_t k = i; k < std::min(texts_.size(), i + kChunk); ++k) chunk.push_back(&texts_[k]);
      auto out = net_->forward(encodeTexts(chunk).to(device_));
      if (net_->classifier) out = torch::softmax(out, 1).select(1, 1);
      out = out.cpu().contiguous();
      std::copy(out.data_ptr<float>(), out.data_ptr<float>() + out.numel(), raw_.begin() + static_cast<std::ptrdiff_t>(i));
    }
  }
  torch::Tensor encodeIndices(const std::vector<int64_t>& idx) const {
    std::vector<const std::string*> p;
    p.reserve(idx.size());
    for (auto i : idx) p.push_back(&texts_[static_cast<std::size_t>(i)]);
    return encodeTexts(p).to(device_);
  }
  void scheduleAfterLabels(std::size_t new_labels) {
    if (new_labels > 0 && static_cast<int64_t>(datasetSize()) < o_.small_dataset)
      due_steps_ = std::min<int64_t>(due_steps_ + o_.steps_per_label_batch, 4 * o_.steps_per_label_batch);
  }
  void scheduleAfterBatch() {
    if (static_cast<int64_t>(datasetSize()) >= o_.small_dataset) due_steps_ = std::min<int64_t>(due_steps_ + 1, 4 * o_.steps_per_label_batch);
  }

  // Weights + optimizer beside state.json; the subclass adds its dataset to `j`.
  void saveCommon(const std::filesystem::path& dir, nlohmann::json& j) const {
    j["type"] = std::string(enumName(o_.type));
    j["texts"] = texts_;
    j["counts"] = counts_;
    j["steps"] = steps_;
    j["due_steps"] = due_steps_;
    // In memory first: LibTorch's file writer ends the process (std::terminate) when the
    // disk refuses a write; writeFileAtomically reports it as an Error instead.
    std::ostringstream net_bytes, optimizer_bytes;
    torch::save(net_, net_bytes);
    torch::save(optimizer_, optimizer_bytes);
    writeFileAtomically(dir / "model.pt", net_bytes.str());
    writeFileAtomically(dir / "optimizer.pt", optimizer_bytes.str());
    writeModelState(dir, j);
  }
  nlohmann::json loadCommon(const std::filesystem::path& dir) {
    auto j = readModelState(dir, std::string(enumName(o_.type)));
    try {
      texts_ = j.at("texts").get<std::vector<std::string>>();
      counts_ = j.at("counts").get<std::vector<uint64_t>>();
      steps_ = j.at("steps").get<int64_t>();
      due_steps_ = j.at("due_steps").get<int64_t>();
    } catch (const nlohmann::json::exception& e) {
      throw Error(StatusCode::kDataLoss, "reward model state " + (dir / "state.json").string() + ": " + e.what());
    }
    if (counts_.size() != texts_.size()) throw Error(StatusCode::kDataLoss, "reward model state " + (dir / "state.json").string() + ": texts and counts differ in length");
    try {
      torch::load(net_, (dir / "model.pt").string(), device_);
      torch::load(optimizer_, (dir / "optimizer.pt").string(), device_);
    } catch (const c10::Error& e) {
      throw Error(StatusCode::kDataLoss, "reward model weights in " + dir.string() + ": " + e.what_without_backtrace());
    }
    index_.clear();
    for (std::size_t i = 0; i < texts_.size(); ++i) index_[texts_[i]] = static_cast<int64_t>(i);
    raw_.assign(texts_.size(), 0.0f);
    scored_ = 0;
    trained_since_scoring_ = true;
    return j;
  }

  const RewardOptions o_;
  const torch::Device device_;
  TextRewardNet net_;
  torch::optim::Adam optimizer_;
  std::mt19937_64 rng_;
  std::vector<std::string> texts_;  // every message seen, in order of first sight
  std::vector<uint64_t> counts_;    // steps that showed it
  std::vector<float> raw_;          // network output per text (P(helpful) or raw reward)
  std::unordered_map<std::string, int64_t> index_;
  std::unordered_map<std::string, float> rewards_;
  int64_t steps_ = 0, due_steps_ = 0;
  double loss_ema_ = 0, accuracy_ema_ = 0;
  std::size_t scored_ = 0;
  bool trained_since_scoring_ = false;
  Clock::time_point last_full_{};
  double full_cost_s_ = 0;
};

class ClassificationModel : public NeuralRewardModel {
 public:
  ClassificationModel(const RewardOptions& o, uint64_t seed) : NeuralRewardModel(o, seed, true) {
    if (o.classifier_output != "threshold" && o.classifier_output != "probability")
      throw Error(StatusCode::kInvalidArgument, "reward.classifier_output: '" + o.classifier_output + "' (valid: threshold, probability)");
  }

  std::vector<LabelRequestItem> observe(const MessageCounts& batch, bool) override {
    std::vector<LabelRequestItem> ask;
    for (const auto& [text, n] : batch)
      if (!labels_.count(intern(text, n))) ask.push_back({text, std::nullopt});
    scheduleAfterBatch();
    return ask;
  }

  void addLabels(const std::vector<std::pair<LabelRequestItem, WireLabel>>& labels) override {
    std::size_t added = 0;
    for (const auto& [item, label] : labels) {
      if (item.second || (label != WireLabel::kHelpful && label != WireLabel::kNotHelpful)) continue;
      const int64_t i = intern(item.first, 0);
      if (!labels_.emplace(i, label == WireLabel::kHelpful).second) continue;
      dataset_.push_back(i);
      positives_ += label == WireLabel::kHelpful;
      ++added;
    }
    scheduleAfterLabels(added);
  }

  void save(const std::filesystem::path& dir) const override {
    nlohmann::json j;
    nlohmann::json labels = nlohmann::json::array();
    for (auto i : dataset_) labels.push_back({i, labels_.at(i) ? 1 : 0});
    j["labels"] = std::move(labels);
    saveCommon(dir, j);
  }
  void load(const std::filesystem::path& dir) override {
    const auto j = loadCommon(dir);
    labels_.clear();
    dataset_.clear();
    positives_ = 0;
    try {
      for (const auto& e : j.at("labels")) {
        const auto i = e.at(0).get<int64_t>();
        if (i < 0 || i >= static_cast<int64_t>(texts_.size())) throw Error(StatusCode::kDataLoss, "label for text " + std::to_string(i) + " out of range");
        labels_[i] = e.at(1).get<int>() == 1;
        dataset_.push_back(i);
        positives_ += labels_[i];
      }
    } catch (const nlohmann::json::exception& e) {
      throw Error(StatusCode::kDataLoss, "reward model state " + (dir / "state.json").string() + ": " + e.what());
    }
  }

  std::vector<std::pair<std::string, double>> scalars() const override {
    double positive_steps = 0, steps = 0;
    for (std::size_t i = 0; i < texts_.size(); ++i) {
      steps += static_cast<double>(counts_[i]);
      if (auto it = rewards_.find(texts_[i]); it != rewards_.end() && it->second > 0) positive_steps += static_cast<double>(counts_[i]);
    }
    return {{"dataset_size", static_cast<double>(dataset_.size())},
            {"messages_seen", static_cast<double>(texts_.size())},
            {"positive_rate", dataset_.empty() ? 0.0 : static_cast<double>(positives_) / static_cast<double>(dataset_.size())},
            {"accuracy", accuracy_ema_},
            {"loss", loss_ema_},
            {"train_steps", static_cast<double>(steps_)},
            {"rewarded_step_fraction", steps > 0 ? positive_steps / steps : 0.0}};
  }
  std::string summary() const override {
    return "messages seen " + std::to_string(texts_.size()) + " | labelled " + std::to_string(dataset_.size()) + " (" + std::to_string(positives_) +
           " helpful) | steps " + std::to_string(steps_) + " | loss " + std::to_string(loss_ema_).substr(0, 6) + " | accuracy " +
           std::to_string(accuracy_ema_).substr(0, 5);
  }

 protected:
  std::size_t datasetSize() const override { return dataset_.size(); }
  double trainStep() override {
    std::uniform_int_distribution<std::size_t> pick(0, dataset_.size() - 1);
    std::vector<int64_t> idx(static_cast<std::size_t>(o_.model_batch_size));
    auto target = torch::empty({o_.model_batch_size}, torch::kInt64);
    for (std::size_t k = 0; k < idx.size(); ++k) {
      idx[k] = dataset_[pick(rng_)];
      target[static_cast<int64_t>(k)] = labels_.at(idx[k]) ? 1 : 0;
    }
    target = target.to(device_);
    auto logits = net_->forward(encodeIndices(idx));
    auto loss = torch::nn::functional::cross_entropy(logits, target);
    optimizer_.zero_grad();
    loss.backward();
    optimizer_.step();
    const double acc = logits.argmax(1).eq(target).to(torch::kFloat32).mean().item<double>();
    accuracy_ema_ = steps_ == 0 ? acc : 0.95 * accuracy_ema_ + 0.05 * acc;
    return loss.item<double>();
  }
  void makeRewards() override {
    rewards_.clear();
    rewards_.reserve(texts_.size());
    const bool probability = o_.classifier_output == "probability";
    for (std::size_t i = 0; i < texts_.size(); ++i) {
      const float p = raw_[i];
      const float r = probability ? p : (p > o_.classification_threshold ? 1.0f : 0.0f);
      if (r != 0.0f) rewards_[texts_[i]] = r;  // absent = 0
    }
  }

 private:
  std::unordered_map<int64_t, bool> labels_;  // text index -> helpful
  std::vector<int64_t> dataset_;              // labelled text indices, in order of labelling
  int64_t positives_ = 0;
};

class RankingModel : public NeuralRewardModel {
 public:
  RankingModel(const RewardOptions& o, uint64_t seed) : NeuralRewardModel(o, seed, false) {
    if (!(o.threshold_quantile >= 0 && o.threshold_quantile < 1)) throw Error(StatusCode::kInvalidArgument, "reward.threshold_quantile must be in [0, 1)");
    if (o.message_subsample < 1) throw Error(StatusCode::kInvalidArgument, "reward.message_subsample must be >= 1");
  }

  std::vector<LabelRequestItem> observe(const MessageCounts& batch, bool want_more_pairs) override {
    // ONI's OnlinePairsDataset: one in `message_subsample` message occurrences enters the
    // pool (so pairs are drawn in proportion to how often messages are seen); the pool is
    // a reservoir of bounded size.
    std::uniform_real_distribution<double> u(0, 1);
    for (const auto& [text, n] : batch) {
      const int64_t i = intern(text, n);
      const double expected = static_cast<double>(n) / static_cast<double>(o_.message_subsample);
      auto keep = static_cast<int64_t>(expected);
      if (u(rng_) < expected - static_cast<double>(keep)) ++keep;
      for (int64_t k = 0; k < keep; ++k) {
        ++pool_seen_;
        if (pool_.size() < kPoolCapacity) pool_.push_back(i);
        else if (auto r = std::uniform_int_distribution<uint64_t>(0, pool_seen_ - 1)(rng_); r < kPoolCapacity) pool_[r] = i;
      }
    }
    scheduleAfterBatch();
    std::vector<LabelRequestItem> ask;
    if (!want_more_pairs || pool_.size() < 2) return ask;
    std::uniform_int_distribution<std::size_t> pick(0, pool_.size() - 1);
    for (int64_t tries = 0; static_cast<int64_t>(ask.size()) < o_.pairs_per_batch && tries < 4 * o_.pairs_per_batch; ++tries) {
      const int64_t a = pool_[pick(rng_)], b = pool_[pick(rng_)];
      if (a != b) ask.push_back({texts_[static_cast<std::size_t>(a)], texts_[static_cast<std::size_t>(b)]});
    }
    return ask;
  }

  void addLabels(const std::vector<std::pair<LabelRequestItem, WireLabel>>& labels) override {
    std::size_t added = 0;
    for (const auto& [item, label] : labels) {
      if (!item.second || (label != WireLabel::kFirst && label != WireLabel::kSecond && label != WireLabel::kTie)) continue;
      const float target = label == WireLabel::kFirst ? 1.0f : label == WireLabel::kSecond ? 0.0f : 0.5f;
      pairs_.push_back({intern(item.first, 0), intern(*item.second, 0), target});
      ++added;
    }
    scheduleAfterLabels(added);
  }

  void save(const std::filesystem::path& dir) const override {
    nlohmann::json j;
    nlohmann::json pairs = nlohmann::json::array();
    for (const auto& p : pairs_) pairs.push_back({p.a, p.b, p.target});
    j["pairs"] = std::move(pairs);
    j["pool"] = pool_;
    j["pool_seen"] = pool_seen_;
    saveCommon(dir, j);
  }
  void load(const std::filesystem::path& dir) override {
    const auto j = loadCommon(dir);
    pairs_.clear();
    const auto n = static_cast<int64_t>(texts_.size());
    try {
      for (const auto& e : j.at("pairs")) {
        Pair p{e.at(0).get<int64_t>(), e.at(1).get<int64_t>(), e.at(2).get<float>()};
        if (p.a < 0 || p.a >= n || p.b < 0 || p.b >= n) throw Error(StatusCode::kDataLoss, "pair with a text index out of range");
        pairs_.push_back(p);
      }
      pool_ = j.at("pool").get<std::vector<int64_t>>();
      pool_seen_ = j.at("pool_seen").get<uint64_t>();
    } catch (const nlohmann::json::exception& e) {
      throw Error(StatusCode::kDataLoss, "reward model state " + (dir / "state.json").string() + ": " + e.what());
    }
    for (auto i : pool_)
      if (i < 0 || i >= n) throw Error(StatusCode::kDataLoss, "reward model state " + (dir / "state.json").string() + ": pool index out of range");
  }

  std::vector<std::pair<std::string, double>> scalars() const override {
    double positive_steps = 0, steps = 0;
    for (std::size_t i = 0; i < texts_.size(); ++i) {
      steps += static_cast<double>(counts_[i]);
      if (auto it = rewards_.find(texts_[i]); it != rewards_.end() && it->second != 0) positive_steps += static_cast<double>(counts_[i]);
    }
    return {{"dataset_size", static_cast<double>(pairs_.size())},
            {"messages_seen", static_cast<double>(texts_.size())},
            {"accuracy", accuracy_ema_},
            {"loss", loss_ema_},
            {"train_steps", static_cast<double>(steps_)},
            {"raw_reward_mean", mean_},
            {"raw_reward_std", std_},
            {"threshold", threshold_},
            {"rewarded_step_fraction", steps > 0 ? positive_steps / steps : 0.0}};
  }
  std::string summary() const override {
    return "messages seen " + std::to_string(texts_.size()) + " | pairs labelled " + std::to_string(pairs_.size()) + " | steps " + std::to_string(steps_) +
           " | loss " + std::to_string(loss_ema_).substr(0, 6) + " | accuracy " + std::to_string(accuracy_ema_).substr(0, 5);
  }

 protected:
  std::size_t datasetSize() const override { return pairs_.size(); }
  double trainStep() override {
    // Bradley-Terry: P(first preferred) = softmax(r_first, r_second)[0], against soft
    // targets (tie = 0.5); gradient norm clipped at 10 as ONI.
    std::uniform_int_distribution<std::size_t> pick(0, pairs_.size() - 1);
    const auto n = static_cast<std::size_t>(o_.model_batch_size);
    std::vector<int64_t> idx(2 * n);
    auto target = torch::empty({static_cast<int64_t>(n)});
    for (std::size_t k = 0; k < n; ++k) {
      const Pair& p = pairs_[pick(rng_)];
      idx[k] = p.a;
      idx[n + k] = p.b;
      target[static_cast<int64_t>(k)] = p.target;
    }
    target = target.to(device_);
    auto r = net_->forward(encodeIndices(idx)).view({2, static_cast<int64_t>(n)}).t();  // [n, 2]
    auto logp = torch::log_softmax(r, 1);
    auto loss = -(target * logp.select(1, 0) + (1 - target) * logp.select(1, 1)).mean();
    optimizer_.zero_grad();
    loss.backward();
    torch::nn::utils::clip_grad_norm_(net_->parameters(), 10.0);
    optimizer_.step();
    // Accuracy over the pairs with a preference (ties ignored, as ONI).
    auto decided = target.ne(0.5);
    const double nd = decided.sum().item<double>();
    if (nd > 0) {
      const double acc = (r.select(1, 0).gt(r.select(1, 1)).eq(target.gt(0.5)) & decided).sum().item<double>() / nd;
      accuracy_ema_ = steps_ == 0 ? acc : 0.95 * accuracy_ema_ + 0.05 * acc;
    }
    return loss.item<double>();
  }
  void makeRewards() override {
    // Normalise by the step-weighted mean and std of the raw rewards over every message
    // seen (ONI keeps running stats over its batches: the same weighting), then zero the
    // values at or below the step-weighted `threshold_quantile`.
    rewards_.clear();
    if (texts_.empty()) return;
    double w = 0, s = 0, ss = 0;
    for (std::size_t i = 0; i < texts_.size(); ++i) {
      const double c = static_cast<double>(std::max<uint64_t>(counts_[i], 1));
      w += c;
      s += c * raw_[i];
      ss += c * raw_[i] * raw_[i];
    }
    mean_ = s / w;
    std_ = std::sqrt(std::max(ss / w - mean_ * mean_, 0.0) + 1e-8);
    std::vector<std::size_t> order(texts_.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return raw_[a] < raw_[b]; });
    double acc = 0;
    threshold_ = -std::numeric_limits<double>::infinity();
    for (auto i : order) {
      acc += static_cast<double>(std::max<uint64_t>(counts_[i], 1));
      threshold_ = (raw_[i] - mean_) / std_;
      if (acc >= o_.threshold_quantile * w) break;
    }
    if (o_.threshold_quantile == 0) threshold_ = -std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < texts_.size(); ++i) {
      const double z = (raw_[i] - mean_) / std_;
      if (z > threshold_) rewards_[texts_[i]] = static_cast<float>(z);
    }
  }

 private:
  static constexpr std::size_t kPoolCapacity = 100000;
  struct Pair {
    int64_t a, b;
    float target;  // 1 first preferred, 0 second, 0.5 tie
  };
  std::vector<Pair> pairs_;
  std::vector<int64_t> pool_;  // subsampled message occurrences (text indices)
  uint64_t pool_seen_ = 0;
  double mean_ = 0, std_ = 1, threshold_ = 0;
};

}  // namespace

std::unique_ptr<IntrinsicRewardModel> makeNeuralRewardModel(const RewardOptions& options, uint64_t seed) {
  if (options.model_batch_size < 1) throw Error(StatusCode::kInvalidArgument, "reward.model_batch_size must be >= 1");
  if (!(options.model_lr > 0)) throw Error(StatusCode::kInvalidArgument, "reward.model_lr must be > 0");
  if (options.steps_per_label_batch < 1) throw Error(StatusCode::kInvalidArgument, "reward.steps_per_label_batch must be >= 1");
  if (options.model_threads < 1) throw Error(StatusCode::kInvalidArgument, "reward.model_threads must be >= 1");
  torch::manual_seed(seed);
  torch::set_num_threads(static_cast<int>(options.model_threads));
  if (options.type == RewardType::kClassification) return std::make_unique<ClassificationModel>(options, seed);
  if (options.type == RewardType::kRanking) return std::make_unique<RankingModel>(options, seed);
  throw Error(StatusCode::kInvalidArgument, "reward.type '" + std::string(enumName(options.type)) + "' is not a neural reward model (valid: classification, ranking)");
}

}  // namespace spur
