// The data-parallel update: two learner ranks (threads of this process, each with its own
// Gloo group over a TCPStore on loopback, as two processes would have) against one rank.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <cstdio>
#include <fstream>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/curve.h"
#include "core/status.h"
#include "learner/appo.h"
#include "learner/learner_group.h"

// After LibTorch's headers: its glog also defines CHECK.
#include <doctest/doctest.h>

namespace {

using spur::DType;

int freePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

constexpr int64_t kT = 5, kA = 4, kFeatures = 6;

// LibTorch's default generator is one per process: the rank threads take turns seeding it.
std::mutex g_rng;

std::shared_ptr<spur::PolicyNetImpl> smallNet() {
  std::lock_guard lock(g_rng);
  torch::manual_seed(11);  // the same initial parameters on every rank
  spur::ModelOptions o;
  o.type = spur::ModelType::kMlp;
  o.core = "gru";
  o.hidden_size = 16;
  o.encoder_width = 8;
  return spur::makePolicyNet(o, {{"features", DType::kFloat32, {kFeatures}}}, kA);
}

// A batch of B columns drawn from `seed`.
spur::TrainBatch batchOf(uint64_t seed, int64_t B, int64_t state_size) {
  std::lock_guard lock(g_rng);
  torch::manual_seed(seed);
  spur::TrainBatch b;
  b.obs["features"] = torch::randn({kT + 1, B, kFeatures});
  b.actions = torch::randint(0, kA, {kT, B}, torch::kInt64);
  b.behaviour_logits = torch::randn({kT, B, kA});
  b.behaviour_logp = torch::log_softmax(b.behaviour_logits, -1).gather(-1, b.actions.unsqueeze(-1)).squeeze(-1);
  b.rewards = torch::randn({kT, B});
  b.dones = (torch::rand({kT, B}) < 0.2).to(torch::kFloat32);
  b.initial_state = torch::randn({B, state_size});
  return b;
}
// Columns [from, to) of a batch.
spur::TrainBatch columns(const spur::TrainBatch& b, int64_t from, int64_t to) {
  spur::TrainBatch c;
  c.obs["features"] = b.obs.at("features").slice(1, from, to);
  c.actions = b.actions.slice(1, from, to);
  c.behaviour_logits = b.behaviour_logits.slice(1, from, to);
  c.behaviour_logp = b.behaviour_logp.slice(1, from, to);
  c.rewards = b.rewards.slice(1, from, to);
  c.dones = b.dones.slice(1, from, to);
  c.initial_state = b.initial_state.slice(0, from, to);
  return c;
}

std::vector<torch::Tensor> copies(const std::vector<torch::Tensor>& ts) {
  std::vector<torch::Tensor> out;
  for (const auto& t : ts) out.push_back(t.detach().clone());
  return out;
}

// Runs `body(rank, group)` on two threads, each a rank of one group.
void twoRanks(const std::function<void(int, spur::LearnerGroup&)>& body) {
  const std::string rendezvous = "127.0.0.1:" + std::to_string(freePort());
  std::vector<std::string> errors(2);
  std::vector<std::thread> ranks;
  for (int r = 0; r < 2; ++r)
    ranks.emplace_back([&, r] {
      try {
        auto group = spur::joinLearnerGroup({r, 2, rendezvous, "", 60});
        body(r, *group);
      } catch (const std::exception& e) {
        errors[static_cast<std::size_t>(r)] = e.what();
      }
    });
  for (auto& t : ranks) t.join();
  CHECK(errors[0] == "");
  CHECK(errors[1] == "");
}

}  // namespace

TEST_CASE("learner group: two ranks training on different batches stay bit-identical") {
  std::vector<std::vector<torch::Tensor>> params(2);
  std::vector<double> grad_norms(2);
  twoRanks([&](int rank, spur::LearnerGroup& group) {
    auto net = smallNet();
    spur::LearnerOptions o;
    o.learning_rate = 1e-2;
    spur::AppoTrainer trainer(net, o);
    trainer.setGroup(&group);
    for (int step = 0; step < 30; ++step) {
      const auto stats = trainer.step(batchOf(1000 * static_cast<uint64_t>(rank) + static_cast<uint64_t>(step), 4, net->stateSize()));
      grad_norms[static_cast<std::size_t>(rank)] = stats.grad_norm;
    }
    params[static_cast<std::size_t>(rank)] = copies(net->parameters());
  });
  REQUIRE(params[0].size() == params[1].size());
  REQUIRE(!params[0].empty());
  bool identical = true;
  for (std::size_t i = 0; i < params[0].size(); ++i) identical = identical && torch::equal(params[0][i], params[1][i]);
  CHECK(identical);
  CHECK(grad_norms[0] == grad_norms[1]);
  // And they did train: not the initial parameters.
  const auto initial = smallNet()->parameters();
  CHECK(!torch::equal(initial[0], params[0][0]));
}

TEST_CASE("learner group: one update of two ranks equals one update of one rank on the union of their batches") {
  const int64_t B = 8;
  auto probe = smallNet();
  const spur::TrainBatch both = batchOf(77, B, probe->stateSize());
  spur::LearnerOptions o;
  o.learning_rate = 1e-3;
  o.max_grad_norm = 1e9;  // the clip is identical on both sides, but leave the gradient as is
  // One rank on all B columns.
  auto single = smallNet();
  spur::AppoTrainer one(single, o);
  one.step(both);
  std::vector<torch::Tensor> grads_one, params_one = copies(single->parameters());
  for (auto& p : single->parameters()) grads_one.push_back(p.grad().clone());
  // Two ranks on half the columns each.
  std::vector<std::vector<torch::Tensor>> grads(2), params(2);
  twoRanks([&](int rank, spur::LearnerGroup& group) {
    auto net = smallNet();
    spur::AppoTrainer trainer(net, o);
    trainer.setGroup(&group);
    trainer.step(columns(both, rank * B / 2, (rank + 1) * B / 2));
    for (auto& p : net->parameters()) grads[static_cast<std::size_t>(rank)].push_back(p.grad().clone());
    params[static_cast<std::size_t>(rank)] = copies(net->parameters());
  });
  REQUIRE(grads[0].size() == grads_one.size());
  double worst_grad = 0, worst_param = 0, largest = 0;
  for (std::size_t i = 0; i < grads_one.size(); ++i) {
    worst_grad = std::max(worst_grad, (grads[0][i] - grads_one[i]).abs().max().item<double>());
    worst_param = std::max(worst_param, (params[0][i] - params_one[i]).abs().max().item<double>());
    largest = std::max(largest, grads_one[i].abs().max().item<double>());
  }
  INFO("largest gradient ", largest, ", worst gradient difference ", worst_grad, ", worst parameter difference ", worst_param);
  CHECK(largest > 1e-3);
  CHECK(worst_grad <= 1e-6 * std::max(1.0, largest));
  // Adam's first step is about lr * sign(g): equal to the rounding of the gradients.
  CHECK(worst_param <= 1e-6);
}

TEST_CASE("learner group: a rank that leaves makes the other's update fail with an error naming the rank") {
  const std::string rendezvous = "127.0.0.1:" + std::to_string(freePort());
  std::string error;
  std::thread survivor([&] {
    try {
      auto group = spur::joinLearnerGroup({0, 2, rendezvous, "", 60});
      std::vector<float> x{1.0F};
      group->allReduceSum(x);  // both ranks
      group->allReduceSum(x);  // rank 1 has gone
    } catch (const spur::Error& e) {
      error = e.what();
    }
  });
  {
    auto group = spur::joinLearnerGroup({1, 2, rendezvous, "", 60});
    std::vector<float> x{2.0F};
    group->allReduceSum(x);
    CHECK(x[0] == 3.0F);
  }  // rank 1's group is destroyed: its connections close
  survivor.join();
  CHECK(error.find("learner rank 0 of 2") != std::string::npos);
  CHECK(error.find("failed") != std::string::npos);
}

TEST_CASE("learner group: the Gloo rendezvous is under the run's CURVE keys and listens on the rendezvous host only") {
  const auto dir = std::filesystem::temp_directory_path() / ("spur-group-curve-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  const auto keys = spur::loadCurveKeys(dir, true);
  const int port = freePort();
  const std::string rendezvous = "127.0.0.1:" + std::to_string(port);
  auto join = [&](int rank, std::shared_ptr<const spur::CurveKeys> k, std::string* error, double timeout_s) {
    try {
      spur::LearnerGroupOptions o{rank, 2, rendezvous, "", timeout_s};
      o.curve = std::move(k);
      auto group = spur::joinLearnerGroup(o);
      std::vector<float> x{static_cast<float>(rank + 1)};
      group->allReduceSum(x);
      if (x[0] != 3.0F) *error = "wrong sum";
    } catch (const std::exception& e) {
      *error = e.what();
    }
  };
  {
    // Both ranks hold the run's keys: the group forms. Meanwhile the store's port is bound to
    // 127.0.0.1, not to every interface (/proc/net/tcp: local address 0100007F, listening 0A).
    std::string e0 = "unset", e1 = "unset";
    std::thread r0([&] { e0 = ""; join(0, keys, &e0, 60); });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    std::ifstream tcp("/proc/net/tcp");
    std::string line, listening;
    char hex_port[8];
    std::snprintf(hex_port, sizeof hex_port, ":%04X", port);
    while (std::getline(tcp, line))
      if (line.find(hex_port) != std::string::npos && line.find(" 0A ") != std::string::npos) listening += line.substr(0, 40);
    e1 = "";
    join(1, keys, &e1, 60);
    r0.join();
    CHECK(e0 == "");
    CHECK(e1 == "");
    CHECK(listening.find("0100007F" + std::string(hex_port)) != std::string::npos);
    CHECK(listening.find("00000000" + std::string(hex_port)) == std::string::npos);
  }
  {
    // A rank without the keys is refused at the handshake: neither rank forms the group.
    std::string e0, e1;
    std::thread r0([&] { join(0, keys, &e0, 3); });
    join(1, nullptr, &e1, 3);
    r0.join();
    CHECK(e0.find("learner rank 0 of 2") != std::string::npos);
    CHECK(e1.find("learner rank 1 of 2") != std::string::npos);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("learner group: bad options are refused naming the key") {
  auto errorOf = [](spur::LearnerGroupOptions o) {
    try {
      spur::joinLearnerGroup(o);
    } catch (const spur::Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(errorOf({0, 0, "127.0.0.1:1", "", 1}).find("learner.world_size") != std::string::npos);
  CHECK(errorOf({2, 2, "127.0.0.1:1", "", 1}).find("outside learner.world_size") != std::string::npos);
  CHECK(errorOf({0, 2, "nohost", "", 1}).find("learner.dist_address") != std::string::npos);
  CHECK(errorOf({0, 2, "127.0.0.1:0x", "", 1}).find("learner.dist_address") != std::string::npos);
  CHECK(errorOf({0, 2, "127.0.0.1:5", "", 0}).find("learner.dist_timeout_s") != std::string::npos);
  // A group of one needs no rendezvous.
  CHECK(spur::joinLearnerGroup({0, 1, "", "", 1})->worldSize() == 1);
}
