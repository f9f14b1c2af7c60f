// Reward models behind IntrinsicRewardModel: what they ask, what they learn, what they save.
#include "reward_model/reward_model.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "core/status.h"

namespace fs = std::filesystem;

namespace {

spur::RewardOptions options(const std::string& type) {
  spur::RewardOptions o;
  REQUIRE(spur::enumFromName(type, &o.type));
  o.int_coeff = 1;
  o.model_batch_size = 64;
  o.model_lr = 1e-3;
  o.reevaluate_interval_s = 0;
  return o;
}

// Synthetic NetHack-like messages: the "gold" ones are what a rule calls helpful.
std::vector<std::string> messages(int n, uint64_t seed) {
  const char* good[] = {"You find %d gold pieces.", "%d gold pieces.", "You see here %d gold pieces.", "You pick up %d gold coins."};
  const char* bad[] = {"It's a wall %d.", "You hear %d distant sounds.", "Door %d is closed.", "You see here %d rocks.", "The newt bites! (%d)"};
  std::mt19937 rng(static_cast<unsigned>(seed));
  std::vector<std::string> out;
  char buf[128];
  for (int i = 0; i < n; ++i) {
    const bool g = i % 2 == 0;
    const char* f = g ? good[rng() % 4] : bad[rng() % 5];
    std::snprintf(buf, sizeof buf, f, static_cast<int>(seed * 1000 + static_cast<uint64_t>(i) + 2));  // distinct texts
    out.push_back(buf);
  }
  return out;
}

bool isGold(const std::string& m) { return m.find("gold") != std::string::npos; }

fs::path freshDir(const std::string& name) {
  auto d = fs::temp_directory_path() / ("spur-reward-model-test-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

}  // namespace

TEST_CASE("reward model: retrieval asks for unlabelled messages whenever seen, keeps labels, resumes") {
  auto m = spur::makeRewardModel(options("retrieval"), 1);
  auto ask = m->observe({{"a", 3}, {"b", 1}}, true);
  REQUIRE(ask.size() == 2);
  CHECK(m->observe({{"a", 2}, {"c", 1}}, true).size() == 2);  // a is still unlabelled (the role drops queued ones)
  m->addLabels({{{"a", std::nullopt}, spur::WireLabel::kHelpful}, {{"b", std::nullopt}, spur::WireLabel::kNotHelpful}});
  const auto again = m->observe({{"a", 1}, {"b", 1}, {"c", 1}}, true);
  REQUIRE(again.size() == 1);  // labelled ones are not asked again
  CHECK(again[0].first == "c");
  CHECK(m->refresh());
  CHECK(m->rewards().at("a") == 1.0f);
  CHECK(m->rewards().at("b") == 0.0f);
  CHECK(m->rewards().count("c") == 0);
  const auto dir = freshDir("retrieval");
  m->save(dir);
  auto r = spur::makeRewardModel(options("retrieval"), 1);
  r->load(dir);
  CHECK(r->rewards().size() == 2);
  CHECK(r->observe({{"a", 1}, {"c", 1}}, true).size() == 1);  // c was never labelled: asked again, a is known
  // Another type's state is refused, naming both types.
  auto cls = spur::makeRewardModel(options("classification"), 1);
  try {
    cls->load(dir);
    FAIL("loaded a retrieval state into a classifier");
  } catch (const spur::Error& e) {
    CHECK(std::string(e.what()).find("'retrieval'") != std::string::npos);
    CHECK(std::string(e.what()).find("'classification'") != std::string::npos);
  }
  std::ofstream(dir / "state.json") << "{\"type\": \"retrieval\", \"seen\": [1,";
  CHECK_THROWS_WITH_AS(r->load(dir), doctest::Contains("state.json"), spur::Error);
  fs::remove_all(dir);
}

TEST_CASE("reward model: the classifier learns from labels and scores messages it was never told about") {
  auto o = options("classification");
  auto m = spur::makeRewardModel(o, 3);
  const auto train = messages(160, 1), held_out = messages(60, 2);
  spur::MessageCounts batch;
  for (const auto& t : train) batch.push_back({t, 1});
  const auto ask = m->observe(batch, true);
  REQUIRE(ask.size() == train.size());
  CHECK_FALSE(m->refresh());  // untrained: nothing published yet
  std::vector<std::pair<spur::LabelRequestItem, spur::WireLabel>> labels;
  for (const auto& item : ask) labels.push_back({item, isGold(item.first) ? spur::WireLabel::kHelpful : spur::WireLabel::kNotHelpful});
  m->addLabels(labels);
  int64_t steps = 0;
  for (int round = 0; round < 8; ++round) {
    m->addLabels(labels);          // repeats are not new labels ...
    steps += m->train(1000);       // ... so only the first batch scheduled steps
  }
  CHECK(steps == o.steps_per_label_batch);
  for (int k = 0; k < 5; ++k) {    // more label batches: more steps
    m->addLabels({{{"extra " + std::to_string(k), std::nullopt}, spur::WireLabel::kNotHelpful}});
    steps += m->train(1000);
  }
  CHECK(steps == 6 * o.steps_per_label_batch);
  spur::MessageCounts unseen;
  for (const auto& t : held_out) unseen.push_back({t, 1});
  m->observe(unseen, true);
  REQUIRE(m->refresh());
  int right = 0;
  for (const auto& t : held_out) {
    const auto it = m->rewards().find(t);
    const bool rewarded = it != m->rewards().end() && it->second > 0;
    right += rewarded == isGold(t);
  }
  MESSAGE("classifier: " << right << "/" << held_out.size() << " held-out messages right, " << m->summary());
  CHECK(right >= static_cast<int>(held_out.size() * 9 / 10));
  for (const auto& [name, value] : m->scalars())
    if (name == "accuracy") CHECK(value > 0.8);

  // Save and load: the same rewards from the restored network.
  const auto dir = freshDir("classification");
  m->save(dir);
  auto r = spur::makeRewardModel(o, 99);
  r->load(dir);
  REQUIRE(r->refresh());
  CHECK(r->rewards() == m->rewards());
  fs::remove_all(dir);
}

TEST_CASE("reward model: probability output gives P(helpful), not a 0/1 threshold") {
  auto o = options("classification");
  o.classifier_output = "probability";
  auto m = spur::makeRewardModel(o, 3);
  m->observe({{"You find 5 gold pieces.", 1}, {"It's a wall.", 1}}, true);
  m->addLabels({{{"You find 5 gold pieces.", std::nullopt}, spur::WireLabel::kHelpful}, {{"It's a wall.", std::nullopt}, spur::WireLabel::kNotHelpful}});
  m->train(20);
  REQUIRE(m->refresh());
  const float good = m->rewards().at("You find 5 gold pieces."), bad = m->rewards().at("It's a wall.");
  CHECK(good > 0.5f);
  CHECK(good <= 1.0f);
  CHECK(bad > 0.0f);
  CHECK(bad < 0.5f);
  o.classifier_output = "sometimes";
  CHECK_THROWS_WITH_AS(spur::makeRewardModel(o, 1), doctest::Contains("reward.classifier_output"), spur::Error);
}

TEST_CASE("reward model: ranking samples pairs, learns the preference, normalises and zeroes below the quantile") {
  auto o = options("ranking");
  o.message_subsample = 1;
  o.pairs_per_batch = 400;
  o.threshold_quantile = 0.5;
  auto m = spur::makeRewardModel(o, 5);
  const auto msgs = messages(120, 7);
  spur::MessageCounts batch;
  for (std::size_t i = 0; i < msgs.size(); ++i) batch.push_back({msgs[i], static_cast<uint32_t>(1 + i % 3)});
  CHECK(m->observe(batch, false).empty());  // no pairs wanted: none sampled
  const auto pairs = m->observe(batch, true);
  REQUIRE(pairs.size() == 400);
  std::vector<std::pair<spur::LabelRequestItem, spur::WireLabel>> labels;
  for (const auto& p : pairs) {
    REQUIRE(p.second.has_value());
    CHECK(p.first != *p.second);
    const int a = isGold(p.first), b = isGold(*p.second);
    labels.push_back({p, a > b ? spur::WireLabel::kFirst : b > a ? spur::WireLabel::kSecond : spur::WireLabel::kTie});
  }
  m->addLabels(labels);
  for (int k = 0; k < 4; ++k) {
    m->train(1000);
    m->addLabels({labels[static_cast<std::size_t>(k)]});  // another label batch: more steps due
  }
  REQUIRE(m->refresh());
  // Rewards: the preferred (gold) messages hold the top half of the step-weighted
  // distribution, so they are the ones left non-zero; the rest are zero.
  double gold_rewarded = 0, gold = 0, other_rewarded = 0, other = 0, rewarded_steps = 0, steps = 0;
  for (const auto& [text, n] : batch) {
    const auto it = m->rewards().find(text);
    const bool r = it != m->rewards().end() && it->second != 0;
    (isGold(text) ? gold_rewarded : other_rewarded) += r;
    (isGold(text) ? gold : other) += 1;
    rewarded_steps += r ? n * 2 : 0;  // observed twice
    steps += n * 2;
  }
  MESSAGE("ranking: gold rewarded " << gold_rewarded << "/" << gold << ", others " << other_rewarded << "/" << other << ", " << m->summary());
  CHECK(gold_rewarded / gold > 0.8);
  CHECK(other_rewarded / other < 0.2);
  CHECK(rewarded_steps / steps <= 0.5 + 1e-9);  // at most 1 - quantile of the steps
  double mean = 0, threshold = 0;
  for (const auto& [name, value] : m->scalars()) {
    if (name == "accuracy") CHECK(value > 0.8);
    if (name == "raw_reward_mean") mean = value;
    if (name == "threshold") threshold = value;
  }
  for (const auto& [text, r] : m->rewards()) CHECK(r > threshold);  // normalised, above the threshold
  CHECK(std::isfinite(mean));

  const auto dir = freshDir("ranking");
  m->save(dir);
  auto r = spur::makeRewardModel(o, 1);
  r->load(dir);
  REQUIRE(r->refresh());
  CHECK(r->rewards() == m->rewards());
  fs::remove_all(dir);
  o.threshold_quantile = 1.5;
  CHECK_THROWS_WITH_AS(spur::makeRewardModel(o, 1), doctest::Contains("reward.threshold_quantile"), spur::Error);
}

TEST_CASE("reward model: reward.device names a device this host has, or the error names the key") {
  auto o = options("classification");
  o.device = "tpu";
  CHECK_THROWS_WITH_AS(spur::makeRewardModel(o, 1), doctest::Contains("reward.device: 'tpu'"), spur::Error);
  o.device = "cuda:99";  // no machine running this test has a hundred GPUs
  CHECK_THROWS_WITH_AS(spur::makeRewardModel(o, 1), doctest::Contains("reward.device: 'cuda:99'"), spur::Error);
  o.device = "cpu";
  CHECK_NOTHROW(spur::makeRewardModel(o, 1));
}
