// The networks compute what their definitions say: each test restates a definition with
// plain tensor operations on the network's own parameters and compares.
#include "models/policy_net.h"

#include <doctest/doctest.h>

namespace {

using spur::DType;
using spur::TensorSpec;
namespace F = torch::nn::functional;

std::map<std::string, torch::Tensor> paramsOf(torch::nn::Module& m) {
  std::map<std::string, torch::Tensor> p;
  for (const auto& item : m.named_parameters()) p[item.key()] = item.value().detach().clone().requires_grad_(true);
  return p;
}

// Recurrence by the textbook cells (ATen's gru_cell / lstm_cell), one step at a time.
torch::Tensor referenceCore(std::map<std::string, torch::Tensor>& p, const std::string& core, torch::Tensor x, torch::Tensor h,
                            torch::Tensor resets, int64_t H, torch::Tensor* logits, torch::Tensor* values) {
  std::vector<torch::Tensor> outs;
  for (int64_t t = 0; t < x.size(0); ++t) {
    h = h * (1 - resets[t]).unsqueeze(1);
    if (core == "gru") {
      h = torch::gru_cell(x[t], h, p["core.gru.weight_ih"], p["core.gru.weight_hh"], p["core.gru.bias_ih"], p["core.gru.bias_hh"]);
    } else {
      auto hc = torch::lstm_cell(x[t], {h.narrow(1, 0, H), h.narrow(1, H, H)}, p["core.lstm.weight_ih"], p["core.lstm.weight_hh"],
                                 p["core.lstm.bias_ih"], p["core.lstm.bias_hh"]);
      h = torch::cat({std::get<0>(hc), std::get<1>(hc)}, 1);
    }
    outs.push_back(h.narrow(1, 0, H));
  }
  const auto out = torch::stack(outs);
  *logits = F::linear(out, p["core.policy.weight"], p["core.policy.bias"]);
  *values = F::linear(out, p["core.value.weight"], p["core.value.bias"]).squeeze(-1);
  return h;
}

}  // namespace

TEST_CASE("policy net: the recurrent core equals step-by-step GRU and LSTM cells, resets included") {
  for (const std::string core : {"gru", "lstm"}) {
    CAPTURE(core);
    torch::manual_seed(3);
    spur::ModelOptions o;
    o.type = spur::ModelType::kMlp;
    o.core = core;
    o.hidden_size = 16;
    o.encoder_width = 8;
    const int64_t T = 6, B = 3, A = 4, H = 16;
    auto net = spur::makePolicyNet(o, {{"features", DType::kFloat32, {5}}}, A);
    auto p = paramsOf(*net);
    const auto features = torch::randn({T, B, 5});
    const auto state = torch::randn({B, net->stateSize()});
    auto resets = torch::zeros({T, B});
    resets[2][0] = 1;
    resets[4][2] = 1;
    torch::NoGradGuard no_grad;
    const auto out = net->forward({{"features", features}}, state, resets);
    const auto x = torch::elu(F::linear(torch::elu(F::linear(features, p["fc1.weight"], p["fc1.bias"])), p["fc2.weight"], p["fc2.bias"]));
    torch::Tensor logits, values;
    const auto h = referenceCore(p, core, x, state, resets, H, &logits, &values);
    CHECK(torch::allclose(out.logits, logits, 1e-5, 1e-5));
    CHECK(torch::allclose(out.values, values, 1e-5, 1e-5));
    CHECK(torch::allclose(out.state, h, 1e-5, 1e-5));
  }
}

TEST_CASE("policy net: the NetHack network and its gradients match the definition (crop zero beyond the edges)") {
  torch::manual_seed(5);
  spur::ModelOptions o;
  o.hidden_size = 8;
  o.encoder_width = 8;
  o.conv_channels = 4;
  o.char_embedding = 3;
  o.color_embedding = 2;
  o.crop_size = 5;
  const std::vector<TensorSpec> spec{{"chars", DType::kUInt8, {21, 79}}, {"colors", DType::kUInt8, {21, 79}},
                                     {"blstats", DType::kInt64, {27}}, {"message", DType::kUInt8, {256}}};
  const int64_t T = 1, B = 5, A = 3, k = 5, r = 2;
  auto net = spur::makePolicyNet(o, spec, A);
  auto p = paramsOf(*net);
  spur::ObsMap obs{{"chars", torch::randint(32, 127, {T, B, 21, 79}, torch::kUInt8)},
                   {"colors", torch::randint(0, 16, {T, B, 21, 79}, torch::kUInt8)},
                   {"blstats", torch::randint(0, 30, {T, B, 27}, torch::kInt64)},
                   {"message", torch::randint(0, 127, {T, B, 256}, torch::kUInt8)}};
  // Hero in each corner, and in the middle: (x, y) = blstats[0], blstats[1].
  const int64_t pos[B][2] = {{0, 0}, {78, 0}, {0, 20}, {78, 20}, {40, 10}};
  for (int64_t b = 0; b < B; ++b) obs["blstats"][0][b][0] = pos[b][0], obs["blstats"][0][b][1] = pos[b][1];
  const auto out = net->forward(obs, torch::zeros({B, net->stateSize()}), torch::zeros({T, B}));

  // Definition: embed the whole map, pad it with zeros by r, take the k x k window.
  const auto ch = obs["chars"].reshape({B, 21, 79}).to(torch::kLong), co = obs["colors"].reshape({B, 21, 79}).to(torch::kLong);
  const auto map = torch::cat({F::embedding(ch, p["char_embedding.weight"]), F::embedding(co, p["color_embedding.weight"])}, -1)
                       .permute({0, 3, 1, 2});
  const auto padded = torch::constant_pad_nd(map, {r, r, r, r});
  std::vector<torch::Tensor> crops;
  for (int64_t b = 0; b < B; ++b) crops.push_back(padded[b].narrow(1, pos[b][1], k).narrow(2, pos[b][0], k));
  const auto crop = torch::stack(crops);
  auto conv = [&](torch::Tensor x, const std::string& name, int64_t stride) {
    return torch::elu(F::conv2d(x, p[name + ".weight"], F::Conv2dFuncOptions().bias(p[name + ".bias"]).stride(stride).padding(1)));
  };
  auto fc = [&](torch::Tensor x, const std::string& name) { return torch::elu(F::linear(x, p[name + ".weight"], p[name + ".bias"])); };
  const auto c = fc(conv(conv(crop, "crop_conv1", 1), "crop_conv2", 1).flatten(1), "crop_fc");
  const auto m = fc(conv(conv(map, "map_conv1", 2), "map_conv2", 2).flatten(1), "map_fc");
  const float scale[27] = {1.f / 79, 1.f / 21, 0, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0, 0.1f, 0.1f, 0, 1.f / 1000,
                           0.1f, 0.1f, 0.1f, 0, 0.1f, 1.f / 100, 1.f / 1000, 1, 0.1f, 0, 0, 0, 0};
  const auto bl = (obs["blstats"].reshape({B, 27}).to(torch::kFloat32) * torch::from_blob(const_cast<float*>(scale), {27})).clamp(-5, 5);
  const auto s = fc(fc(bl, "blstats_fc1"), "blstats_fc2");
  const auto msg = fc(fc(obs["message"].reshape({B, 256}).to(torch::kFloat32) / 255.0, "message_fc1"), "message_fc2");
  torch::Tensor logits, values;
  referenceCore(p, "gru", torch::cat({c, m, s, msg}, 1).unsqueeze(0), torch::zeros({B, 8}), torch::zeros({T, B}), 8, &logits, &values);
  CHECK(torch::allclose(out.logits, logits, 1e-5, 1e-5));
  CHECK(torch::allclose(out.values, values, 1e-5, 1e-5));
  // Gradients of every parameter (the embeddings' included) agree too.
  (out.logits.pow(2).sum() + out.values.sum()).backward();
  (logits.pow(2).sum() + values.sum()).backward();
  for (const auto& item : net->named_parameters()) {
    CAPTURE(item.key());
    REQUIRE(item.value().grad().defined());
    CHECK(torch::allclose(item.value().grad(), p[item.key()].grad(), 1e-4, 1e-5));
  }
}
