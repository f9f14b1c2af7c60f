#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "learner/appo.h"

namespace {

// V-trace straight from its definition (IMPALA eq. 1), independently of spur's recursion:
//   v_s = V(x_s) + sum_{t>=s} (prod_{i=s}^{t-1} gamma_i c_i) rho_t (r_t + gamma_t V(x_{t+1}) - V(x_t))
// with gamma_i the per-step discount (0 after a done) and V(x_T) the bootstrap value.
std::vector<std::vector<double>> referenceVs(const std::vector<std::vector<double>>& log_rho, const std::vector<std::vector<double>>& disc,
                                             const std::vector<std::vector<double>>& rew, const std::vector<std::vector<double>>& val,
                                             const std::vector<double>& boot, double rho_bar, double c_bar) {
  const std::size_t T = val.size(), B = boot.size();
  std::vector<std::vector<double>> vs(T, std::vector<double>(B));
  for (std::size_t b = 0; b < B; ++b) {
    auto V = [&](std::size_t t) { return t < T ? val[t][b] : boot[b]; };
    for (std::size_t s = 0; s < T; ++s) {
      double sum = 0;
      for (std::size_t t = s; t < T; ++t) {
        double prod = 1;
        for (std::size_t i = s; i < t; ++i) prod *= disc[i][b] * std::min(c_bar, std::exp(log_rho[i][b]));
        const double rho = std::min(rho_bar, std::exp(log_rho[t][b]));
        sum += prod * rho * (rew[t][b] + disc[t][b] * V(t + 1) - V(t));
      }
      vs[s][b] = V(s) + sum;
    }
  }
  return vs;
}

torch::Tensor toTensor(const std::vector<std::vector<double>>& v) {
  std::vector<float> flat;
  for (const auto& row : v) flat.insert(flat.end(), row.begin(), row.end());
  return torch::tensor(flat).view({static_cast<int64_t>(v.size()), static_cast<int64_t>(v[0].size())});
}

}  // namespace

TEST_CASE("vtrace: on-policy without dones gives n-step bootstrapped returns") {
  // T=3, B=1, gamma=0.5, rewards 1,2,3, values 0, bootstrap 8:
  // vs_2 = 3 + 0.5*8 = 7; vs_1 = 2 + 0.5*7 = 5.5; vs_0 = 1 + 0.5*5.5 = 3.75
  auto r = spur::vtrace(torch::zeros({3, 1}), torch::full({3, 1}, 0.5), torch::tensor({1.f, 2.f, 3.f}).view({3, 1}),
                        torch::zeros({3, 1}), torch::tensor({8.f}), 1.0, 1.0);
  CHECK(r.vs[0][0].item<float>() == doctest::Approx(3.75));
  CHECK(r.vs[1][0].item<float>() == doctest::Approx(5.5));
  CHECK(r.vs[2][0].item<float>() == doctest::Approx(7.0));
  // advantage at 0 = r_0 + gamma vs_1 - V_0
  CHECK(r.pg_advantages[0][0].item<float>() == doctest::Approx(1 + 0.5 * 5.5));
}

TEST_CASE("vtrace: a done cuts the return and the unroll end bootstraps") {
  // done at t=1: discount 0 there, so vs_1 = r_1 = 2 and vs_0 = 1 + 0.5*2 = 2; t=2 bootstraps.
  auto r = spur::vtrace(torch::zeros({3, 1}), torch::tensor({0.5f, 0.f, 0.5f}).view({3, 1}), torch::tensor({1.f, 2.f, 3.f}).view({3, 1}),
                        torch::zeros({3, 1}), torch::tensor({8.f}), 1.0, 1.0);
  CHECK(r.vs[0][0].item<float>() == doctest::Approx(2.0));
  CHECK(r.vs[1][0].item<float>() == doctest::Approx(2.0));
  CHECK(r.vs[2][0].item<float>() == doctest::Approx(7.0));
}

TEST_CASE("vtrace: off-policy batches match the definition, clipping included") {
  std::mt19937 rng(7);
  std::normal_distribution<double> n(0, 1);
  const std::size_t T = 6, B = 3;
  std::vector<std::vector<double>> lr(T, std::vector<double>(B)), d(T, std::vector<double>(B)), r(T, std::vector<double>(B)),
      v(T, std::vector<double>(B));
  std::vector<double> boot(B);
  for (std::size_t t = 0; t < T; ++t)
    for (std::size_t b = 0; b < B; ++b) {
      lr[t][b] = n(rng);
      d[t][b] = (t == 2 && b == 1) || (t == 4 && b == 0) ? 0.0 : 0.9;  // two episode ends
      r[t][b] = n(rng);
      v[t][b] = n(rng);
    }
  for (auto& x : boot) x = n(rng);
  for (auto [rho_bar, c_bar] : {std::pair{1.0, 1.0}, std::pair{0.5, 0.8}, std::pair{2.0, 1.5}}) {
    const auto expect = referenceVs(lr, d, r, v, boot, rho_bar, c_bar);
    const auto got = spur::vtrace(toTensor(lr), toTensor(d), toTensor(r), toTensor(v), torch::tensor(std::vector<float>(boot.begin(), boot.end())),
                                  rho_bar, c_bar);
    for (std::size_t t = 0; t < T; ++t)
      for (std::size_t b = 0; b < B; ++b) CHECK(got.vs[static_cast<long>(t)][static_cast<long>(b)].item<float>() == doctest::Approx(expect[t][b]).epsilon(1e-4));
  }
}

TEST_CASE("rewards: ONI's combination divides the intrinsic part by count^beta") {
  spur::RewardOptions o;
  o.ext_coeff = 0.1;
  o.int_coeff = 0.4;
  o.beta = 3;
  auto r = spur::combineRewards(o, torch::tensor({10.f, 10.f}), torch::tensor({1.f, 1.f}), torch::tensor({1, 2}));
  CHECK(r[0].item<float>() == doctest::Approx(1.0 + 0.4));
  CHECK(r[1].item<float>() == doctest::Approx(1.0 + 0.4 / 8));
  o.int_coeff = 0;
  CHECK(spur::combineRewards(o, torch::tensor({10.f}), torch::Tensor(), torch::tensor({1}))[0].item<float>() == doctest::Approx(1.0));
}

TEST_CASE("appo: the trainer learns a two-armed bandit") {
  // One observation, two actions, reward 1 for action 1: P(action 1) must approach 1.
  spur::ModelOptions mo;
  mo.type = spur::ModelType::kMlp;
  mo.hidden_size = 16;
  mo.encoder_width = 16;
  std::vector<spur::TensorSpec> spec{{"features", spur::DType::kFloat32, {4}}};
  auto net = spur::makePolicyNet(mo, spec, 2);
  spur::LearnerOptions lo;
  lo.learning_rate = 3e-3;
  lo.entropy_coeff = 0;
  spur::AppoTrainer trainer(net, lo);
  const int64_t T = 4, B = 16;
  torch::manual_seed(1);
  double p1 = 0;
  for (int it = 0; it < 150; ++it) {
    spur::TrainBatch b;
    b.obs["features"] = torch::ones({T + 1, B, 4});
    b.initial_state = torch::zeros({B, net->stateSize()});
    torch::Tensor logits;
    {
      torch::NoGradGuard g;
      logits = net->forward(b.obs, b.initial_state, torch::zeros({T + 1, B})).logits.slice(0, 0, T);
    }
    b.actions = torch::multinomial(torch::softmax(logits, -1).view({T * B, 2}), 1).view({T, B});
    b.behaviour_logits = logits;
    b.behaviour_logp = torch::log_softmax(logits, -1).gather(-1, b.actions.unsqueeze(-1)).squeeze(-1);
    b.rewards = b.actions.to(torch::kFloat32);
    b.dones = torch::ones({T, B});
    trainer.step(b);
    p1 = torch::softmax(logits, -1).select(-1, 1).mean().item<double>();
  }
  CHECK(p1 > 0.9);
}
