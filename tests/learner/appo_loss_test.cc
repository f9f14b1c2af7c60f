// The APPO loss against hand-computed values: each case fails for one specific slip (the
// clip on the wrong side, the entropy bonus with the wrong sign, a wrong value coefficient).
#include <doctest/doctest.h>

#include <cmath>

#include "learner/appo.h"

namespace {

// One step (T = 1, B = 1) with A = 2 actions; action 0 taken.
spur::AppoLossInputs oneStep(double current_p0, double behaviour_p0, double advantage, double value, double target) {
  spur::AppoLossInputs in;
  in.log_probs = torch::log(torch::tensor({current_p0, 1 - current_p0}, torch::kFloat64)).view({1, 1, 2});
  in.values = torch::tensor({value}, torch::kFloat64).view({1, 1});
  in.actions = torch::zeros({1, 1}, torch::kInt64);
  in.behaviour_logp = torch::log(torch::tensor({behaviour_p0}, torch::kFloat64)).view({1, 1});
  in.advantages = torch::tensor({advantage}, torch::kFloat64).view({1, 1});
  in.value_targets = torch::tensor({target}, torch::kFloat64).view({1, 1});
  return in;
}

spur::LearnerOptions plain(double clip = 0.1) {
  spur::LearnerOptions o;
  o.ppo_clip = clip;
  o.value_coeff = 0;
  o.entropy_coeff = 0;
  return o;
}

}  // namespace

TEST_CASE("appo loss: a ratio above 1+c with a positive advantage is clipped (no incentive to go further)") {
  // ratio = 0.6 / 0.4 = 1.5 > 1.1: min(1.5 * 2, 1.1 * 2) = 2.2.
  const auto l = spur::appoLoss(oneStep(0.6, 0.4, 2.0, 0, 0), plain());
  CHECK(l.policy.item<double>() == doctest::Approx(-2.2));
  CHECK(l.ratio.item<double>() == doctest::Approx(1.5));
}

TEST_CASE("appo loss: a ratio above 1+c with a negative advantage is not clipped (the penalty stays)") {
  // min(1.5 * -2, 1.1 * -2) = -3: the unclipped, pessimistic side.
  const auto l = spur::appoLoss(oneStep(0.6, 0.4, -2.0, 0, 0), plain());
  CHECK(l.policy.item<double>() == doctest::Approx(3.0));
}

TEST_CASE("appo loss: the lower clip is 1/(1+c), not 1-c, and applies to negative advantages") {
  // ratio = 0.2 / 0.4 = 0.5 < 1/1.1; with advantage -1: min(0.5 * -1, (1/1.1) * -1) = -1/1.1.
  const auto l = spur::appoLoss(oneStep(0.2, 0.4, -1.0, 0, 0), plain());
  CHECK(l.policy.item<double>() == doctest::Approx(1.0 / 1.1));
  // With a positive advantage the unclipped 0.5 is the smaller one.
  const auto p = spur::appoLoss(oneStep(0.2, 0.4, 1.0, 0, 0), plain());
  CHECK(p.policy.item<double>() == doctest::Approx(-0.5));
}

TEST_CASE("appo loss: the clipped side carries no gradient, the unclipped side does") {
  for (double adv : {2.0, -2.0}) {
    auto in = oneStep(0.6, 0.4, adv, 0, 0);
    in.log_probs.requires_grad_(true);
    spur::appoLoss(in, plain()).total.backward();
    const double g = in.log_probs.grad()[0][0][0].item<double>();
    if (adv > 0) CHECK(g == doctest::Approx(0.0));
    else CHECK(g == doctest::Approx(-1.5 * adv));  // d(-ratio * adv)/d log p = -ratio * adv
  }
}

TEST_CASE("appo loss: the entropy bonus lowers the loss (its sign rewards exploration)") {
  auto o = plain();
  o.entropy_coeff = 1.0;
  // Uniform over 2 actions: entropy log 2; zero advantage and value error.
  const auto l = spur::appoLoss(oneStep(0.5, 0.5, 0, 0, 0), o);
  CHECK(l.entropy.item<double>() == doctest::Approx(std::log(2.0)));
  CHECK(l.total.item<double>() == doctest::Approx(-std::log(2.0)));
  // And its gradient pushes a skewed policy towards uniform: d total / d log p0 > 0 when p0 > 0.5
  // (raising log p0 would lower the entropy, which the loss penalises).
  auto in = oneStep(0.9, 0.9, 0, 0, 0);
  in.log_probs.requires_grad_(true);
  spur::appoLoss(in, o).total.backward();
  CHECK(in.log_probs.grad()[0][0][0].item<double>() > 0);
}

TEST_CASE("appo loss: the value term is value_coeff * 0.5 * (vs - V)^2") {
  auto o = plain();
  o.value_coeff = 0.5;
  const auto l = spur::appoLoss(oneStep(0.5, 0.5, 0, 1.0, 3.0), o);  // error 2: 0.5 * 4 = 2
  CHECK(l.value.item<double>() == doctest::Approx(2.0));
  CHECK(l.total.item<double>() == doctest::Approx(0.5 * 2.0));
  o.value_coeff = 1.0;
  CHECK(spur::appoLoss(oneStep(0.5, 0.5, 0, 1.0, 3.0), o).total.item<double>() == doctest::Approx(2.0));
}

TEST_CASE("appo loss: masked actions get no probability and no entropy") {
  const auto logits = torch::tensor({1.0, 2.0, 3.0}).view({1, 1, 3});
  const auto mask = torch::tensor({1, 0, 1}, torch::kUInt8).view({1, 1, 3});
  const auto lp = spur::maskedLogSoftmax(logits, mask);
  CHECK(lp.exp()[0][0][1].item<double>() == doctest::Approx(0.0));
  CHECK(lp.exp().sum().item<double>() == doctest::Approx(1.0));
  CHECK(lp[0][0][2].item<double>() == doctest::Approx(-std::log1p(std::exp(-2.0))));
  spur::AppoLossInputs in;
  in.log_probs = lp;
  in.values = torch::zeros({1, 1});
  in.actions = torch::zeros({1, 1}, torch::kInt64);
  in.behaviour_logp = lp.select(2, 0).detach();
  in.advantages = torch::zeros({1, 1});
  in.value_targets = torch::zeros({1, 1});
  const double p0 = 1 / (1 + std::exp(2.0)), p2 = 1 - p0;
  CHECK(spur::appoLoss(in, plain()).entropy.item<double>() == doctest::Approx(-(p0 * std::log(p0) + p2 * std::log(p2))).epsilon(1e-5));
}
