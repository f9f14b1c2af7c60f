// Writes the Cap'n Proto seed inputs of the fuzz targets: valid messages of the shapes each
// target decodes (fuzz/<name>_fuzz.cc), one file per message, into OUT/<target>/seed-*.
//   build/fuzz/fuzz_make_seeds tests/fuzz
// Seeds are committed; rerun this only when a schema or a target's layout changes.
#include <capnp/message.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/transport.h"
#include "fuzz/small_policy_net.h"
#include "models/torch_codec.h"

namespace {

namespace fs = std::filesystem;
using spur::schema::CURRENT_VERSION;

void save(const fs::path& dir, const std::string& target, const std::string& name, capnp::MallocMessageBuilder& msg) {
  fs::create_directories(dir / target);
  const auto words = spur::toWords(msg);
  std::ofstream(dir / target / ("seed-" + name), std::ios::binary)
      .write(reinterpret_cast<const char*>(words.begin()), static_cast<std::streamsize>(words.size() * sizeof(capnp::word)));
}

// The layout of fuzz/unroll_fuzz.cc: T=3, B=2, A=4, H=5, obs features f32 [6], glyphs i16 [2, 2].
void unroll(const fs::path& dir, const std::string& name, bool masked) {
  const int64_t T = 3, B = 2;
  capnp::MallocMessageBuilder msg;
  auto u = msg.initRoot<spur::schema::Unroll>();
  u.setSchemaVersion(CURRENT_VERSION);
  u.setNumSteps(T);
  u.setNumEnvs(B);
  u.setPolicyVersion(4);
  std::vector<std::pair<std::string, torch::Tensor>> ts{
      {"obs/features", torch::rand({T + 1, B, 6})},
      {"obs/glyphs", torch::randint(0, 100, {T + 1, B, 2, 2}, torch::kInt16)},
      {"actions", torch::randint(0, 4, {T, B}, torch::kInt64)},
      {"logits", torch::randn({T, B, 4})},
      {"behaviour_logp", torch::full({T, B}, -1.3f)},
      {"rewards", torch::randn({T, B})},
      {"dones", torch::tensor({0, 0, 1, 0, 0, 1}, torch::kUInt8).reshape({T, B})},
      {"message_ids", torch::tensor({0, 1, 1, 0, 2, 2}, torch::kInt32).reshape({T, B})},
      {"message_counts", torch::tensor({1, 1, 2, 2, 1, 3}, torch::kInt32).reshape({T, B})},
      {"rnn_state", torch::zeros({B, 5})},
  };
  if (masked) ts.push_back({"action_mask", torch::ones({T + 1, B, 4}, torch::kUInt8)});
  auto list = u.initTensors(static_cast<unsigned>(ts.size()));
  for (std::size_t i = 0; i < ts.size(); ++i) spur::writeTorchTensor(list[static_cast<unsigned>(i)], ts[i].first, ts[i].second);
  auto messages = u.initMessages(3);
  messages.set(0, "You see here a scroll.");
  messages.set(1, "");
  messages.set(2, "Task: put a mug in the sink.\nObservation: You open the drawer 1.");
  auto eps = u.initEpisodes(1);
  eps[0].setEpisodeReturn(2.5);
  eps[0].setLength(7);
  auto metrics = eps[0].initMetrics(1);
  metrics[0].setName("depth");
  metrics[0].setValue(3);
  save(dir, "unroll", name, msg);
}

void params(const fs::path& dir) {
  auto net = spur::fuzz::smallPolicyNet();
  capnp::MallocMessageBuilder msg;
  spur::writeParams(msg.initRoot<spur::schema::Params>(), *net, 9);
  save(dir, "params", "mlp", msg);
}

void rewardTable(const fs::path& dir) {
  capnp::MallocMessageBuilder msg;
  auto t = msg.initRoot<spur::schema::RewardTable>();
  t.setSchemaVersion(CURRENT_VERSION);
  t.setVersion(3);
  t.setInstance(77);
  auto texts = t.initTexts(3);
  auto rewards = t.initRewards(3);
  const char* kTexts[] = {"You find a hidden passage.", "It's a wall.", ""};
  const float kRewards[] = {1.0f, 0.0f, -0.5f};
  for (unsigned i = 0; i < 3; ++i) {
    texts.set(i, kTexts[i]);
    rewards.set(i, kRewards[i]);
  }
  save(dir, "reward_table", "three", msg);
}

void annotateRequest(const fs::path& dir, const std::string& name, const std::string& template_id, bool pairs) {
  capnp::MallocMessageBuilder msg;
  auto q = msg.initRoot<spur::schema::AnnotateRequest>();
  q.setSchemaVersion(CURRENT_VERSION);
  q.getSender().setRole(spur::schema::Role::REWARD_LEARNER);
  q.setRequestId(12);
  q.setTemplateId(template_id);
  auto items = q.initItems(2);
  items[0].setFirst("You kill the newt!");
  items[1].setFirst("The door opens.");
  if (pairs) {
    items[0].setSecond("It's solid stone.");
    items[1].setSecond("\"quoted\" \\ text");
    items[0].setIsPair(true);
    items[1].setIsPair(true);
  }
  save(dir, "annotate_request", name, msg);
}

void annotateReply(const fs::path& dir) {
  capnp::MallocMessageBuilder labels;
  auto r = labels.initRoot<spur::schema::AnnotateReply>();
  r.setSchemaVersion(CURRENT_VERSION);
  r.setRequestId(1);
  auto list = r.initLabels(3);
  const int8_t kLabels[] = {1, 0, 3};
  for (unsigned i = 0; i < 3; ++i) {
    list[i].setIndex(i);
    list[i].setLabel(kLabels[i]);
  }
  r.setStoreHits(1);
  r.setPending(2);
  save(dir, "annotate_reply", "labels", labels);
  capnp::MallocMessageBuilder refused;
  auto e = refused.initRoot<spur::schema::AnnotateReply>();
  e.setSchemaVersion(CURRENT_VERSION);
  e.setRequestId(1);
  e.setError("prompt template 'x' not found");
  save(dir, "annotate_reply", "refused", refused);
}

void messageBatch(const fs::path& dir) {
  capnp::MallocMessageBuilder msg;
  auto b = msg.initRoot<spur::schema::MessageBatch>();
  b.setSchemaVersion(CURRENT_VERSION);
  b.getSender().setRole(spur::schema::Role::LEARNER);
  auto texts = b.initTexts(3);
  texts.set(0, "You hear some noises.");
  texts.set(1, "");
  texts.set(2, "Welcome to NetHack!");
  auto counts = b.initCounts(3);
  counts.set(0, 5);
  counts.set(1, 1);
  counts.set(2, 1);
  save(dir, "message_batch", "three", msg);
}

// fuzz/checkpoint_fuzz.cc: byte 0 even = the file as is (a checkpoint of its network as
// CheckpointStore::save writes the model part), odd = per-tensor variants (all "same" here).
void checkpoint(const fs::path& dir) {
  auto net = spur::fuzz::smallPolicyNet();
  torch::serialize::OutputArchive archive;
  for (const auto& p : net->named_parameters(true)) archive.write("model/" + p.key(), p.value());
  for (const auto& b : net->named_buffers(true)) archive.write("model/" + b.key(), b.value(), /*is_buffer=*/true);
  std::ostringstream bytes;
  archive.save_to(bytes);
  fs::create_directories(dir / "checkpoint");
  std::ofstream(dir / "checkpoint" / "seed-file", std::ios::binary) << '\0' << bytes.str();
  std::ofstream(dir / "checkpoint" / "seed-variants", std::ios::binary) << std::string(1, '\1') + std::string(16, '\0');
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR   (writes OUT_DIR/<target>/seed-*)\n", argv[0]);
    return 2;
  }
  torch::manual_seed(1);
  const fs::path dir = argv[1];
  unroll(dir, "plain", false);
  unroll(dir, "masked", true);
  params(dir);
  rewardTable(dir);
  annotateRequest(dir, "classify", "classify", false);
  annotateRequest(dir, "rank", "rank", true);
  annotateReply(dir);
  messageBatch(dir);
  checkpoint(dir);
  return 0;
}
