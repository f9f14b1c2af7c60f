#include "models/policy_net.h"

#include "core/status.h"

namespace spur {
namespace {

namespace nn = torch::nn;

// ONI's blstats scaling (refs/oni.md section 9), then clipped to [-5, 5].
const float kBlstatsScale[27] = {1.f / 79, 1.f / 21, 0, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0, 0.1f, 0.1f, 0, 1.f / 1000,
                                 0.1f, 0.1f, 0.1f, 0, 0.1f, 1.f / 100, 1.f / 1000, 1, 0.1f, 0, 0, 0, 0};

// Shared recurrent core + heads: everything after the per-step encoder.
class CoreAndHeads : public nn::Module {
 public:
  CoreAndHeads(const ModelOptions& o, int64_t input, int64_t num_actions) : lstm_(o.core == "lstm"), hidden_(o.hidden_size) {
    if (o.core != "gru" && o.core != "lstm") throw Error(StatusCode::kInvalidArgument, "unknown model.core '" + o.core + "' (valid: gru, lstm)");
    if (lstm_) lstm_cell_ = register_module("lstm", nn::LSTMCell(input, hidden_));
    else gru_cell_ = register_module("gru", nn::GRUCell(input, hidden_));
    policy_ = register_module("policy", nn::Linear(hidden_, num_actions));
    value_ = register_module("value", nn::Linear(hidden_, 1));
    macs_ = (lstm_ ? 4 : 3) * (input + hidden_) * hidden_ + hidden_ * (num_actions + 1);
  }
  int64_t stateSize() const { return lstm_ ? 2 * hidden_ : hidden_; }
  int64_t macs() const { return macs_; }

  PolicyOutput forward(torch::Tensor x /*[T,B,F]*/, torch::Tensor state, torch::Tensor resets) {
    const int64_t T = x.size(0);
    std::vector<torch::Tensor> outs;
    outs.reserve(static_cast<std::size_t>(T));
    torch::Tensor h = state;
    for (int64_t t = 0; t < T; ++t) {
      const auto keep = (1 - resets[t].to(torch::kFloat32)).unsqueeze(1);
      h = h * keep;
      if (lstm_) {
        auto hc = lstm_cell_->forward(x[t], std::make_tuple(h.narrow(1, 0, hidden_), h.narrow(1, hidden_, hidden_)));
        h = torch::cat({std::get<0>(hc), std::get<1>(hc)}, 1);
      } else {
        h = gru_cell_->forward(x[t], h);
      }
      outs.push_back(h.narrow(1, 0, hidden_));
    }
    auto core = torch::stack(outs);  // [T, B, H]
    return {policy_->forward(core), value_->forward(core).squeeze(-1), h};
  }

 private:
  bool lstm_;
  int64_t hidden_;
  int64_t macs_ = 0;
  nn::GRUCell gru_cell_{nullptr};
  nn::LSTMCell lstm_cell_{nullptr};
  nn::Linear policy_{nullptr}, value_{nullptr};
};

const TensorSpec* findSpec(const std::vector<TensorSpec>& spec, const std::string& name) {
  for (const auto& s : spec)
    if (s.name == name) return &s;
  return nullptr;
}

void requireInputs(const std::vector<TensorSpec>& spec, const std::vector<std::string>& names, const std::string& type) {
  for (const auto& n : names)
    if (!findSpec(spec, n))
      throw Error(StatusCode::kInvalidArgument, "model.type " + type + " needs observation '" + n + "', which the env does not produce (add it to the env's observation keys)");
}

// A flat float observation "features" -> MLP -> core.
class MlpNet : public PolicyNetImpl {
 public:
  MlpNet(const ModelOptions& o, const std::vector<TensorSpec>& spec, int64_t num_actions) {
    requireInputs(spec, inputs(), "mlp");
    const int64_t in = findSpec(spec, "features")->numel();
    fc1_ = register_module("fc1", nn::Linear(in, o.encoder_width));
    fc2_ = register_module("fc2", nn::Linear(o.encoder_width, o.encoder_width));
    core_ = register_module("core", std::make_shared<CoreAndHeads>(o, o.encoder_width, num_actions));
    macs_ = in * o.encoder_width + o.encoder_width * o.encoder_width + core_->macs();
  }
  PolicyOutput forward(const ObsMap& obs, torch::Tensor state, torch::Tensor resets) override {
    auto x = obs.at("features").to(torch::kFloat32);
    const auto T = x.size(0), B = x.size(1);
    x = torch::elu(fc1_->forward(x.reshape({T, B, -1})));
    x = torch::elu(fc2_->forward(x));
    return core_->forward(x, state, resets);
  }
  int64_t stateSize() const override { return core_->stateSize(); }
  std::vector<std::string> inputs() const override { return {"features"}; }
  int64_t macsPerStep() const override { return macs_; }

 private:
  nn::Linear fc1_{nullptr}, fc2_{nullptr};
  std::shared_ptr<CoreAndHeads> core_;
  int64_t macs_ = 0;
};

// ONI-style NetHack network, on characters instead of rendered pixels: an egocentric crop
// of (char, colour) embeddings, a coarse strided view of the whole map, a blstats MLP and
// a message MLP, concatenated into the recurrent core.
class NetHackNet : public PolicyNetImpl {
 public:
  NetHackNet(const ModelOptions& o, const std::vector<TensorSpec>& spec, int64_t num_actions) : o_(o) {
    requireInputs(spec, inputs(), "nethack");
    if (o.crop_size < 3 || o.crop_size % 2 == 0) throw Error(StatusCode::kInvalidArgument, "model.crop_size must be odd and >= 3");
    const int64_t emb = o.char_embedding + o.color_embedding, c = o.conv_channels, w = o.encoder_width;
    chars_ = register_module("char_embedding", nn::Embedding(256, o.char_embedding));
    colors_ = register_module("color_embedding", nn::Embedding(32, o.color_embedding));
    crop1_ = register_module("crop_conv1", nn::Conv2d(nn::Conv2dOptions(emb, c, 3).padding(1)));
    crop2_ = register_module("crop_conv2", nn::Conv2d(nn::Conv2dOptions(c, c, 3).padding(1)));
    crop_fc_ = register_module("crop_fc", nn::Linear(c * o.crop_size * o.crop_size, w));
    map1_ = register_module("map_conv1", nn::Conv2d(nn::Conv2dOptions(emb, c, 3).stride(2).padding(1)));  // 11x40
    map2_ = register_module("map_conv2", nn::Conv2d(nn::Conv2dOptions(c, c, 3).stride(2).padding(1)));    // 6x20
    map_fc_ = register_module("map_fc", nn::Linear(c * 6 * 20, w));
    bl1_ = register_module("blstats_fc1", nn::Linear(27, w));
    bl2_ = register_module("blstats_fc2", nn::Linear(w, w));
    msg1_ = register_module("message_fc1", nn::Linear(256, w));
    msg2_ = register_module("message_fc2", nn::Linear(w, w));
    scale_ = register_buffer("blstats_scale", torch::from_blob(const_cast<float*>(kBlstatsScale), {27}).clone());
    core_ = register_module("core", std::make_shared<CoreAndHeads>(o, 4 * w, num_actions));
    const int64_t k = o.crop_size * o.crop_size;
    macs_ = k * 9 * (emb * c + c * c) + c * k * w + 11 * 40 * 9 * emb * c + 6 * 20 * 9 * c * c + c * 120 * w + 27 * w + w * w +
            256 * w + w * w + core_->macs();
  }

  PolicyOutput forward(const ObsMap& obs, torch::Tensor state, torch::Tensor resets) override {
    const auto& chars = obs.at("chars");  // [T, B, 21, 79] uint8
    const int64_t T = chars.size(0), B = chars.size(1), N = T * B;
    const auto ch = chars.reshape({N, 21, 79}).to(torch::kLong);
    const auto co = obs.at("colors").reshape({N, 21, 79}).to(torch::kLong).clamp(0, 31);
    const auto bl = obs.at("blstats").reshape({N, 27});
    // [N, 21, 79, E] -> [N, E, 21, 79]
    const auto map = torch::cat({chars_->forward(ch), colors_->forward(co)}, -1).permute({0, 3, 1, 2});

    // Egocentric crop: pad by r, then gather rows y..y+2r and columns x..x+2r.
    const int64_t r = o_.crop_size / 2;
    const auto padded = torch::constant_pad_nd(map, {r, r, r, r});
    const auto offs = torch::arange(o_.crop_size, torch::kLong);
    const auto ys = (bl.select(1, 1).to(torch::kLong).clamp(0, 20).unsqueeze(1) + offs);  // [N, k]
    const auto xs = (bl.select(1, 0).to(torch::kLong).clamp(0, 78).unsqueeze(1) + offs);
    const auto n_idx = torch::arange(N, torch::kLong).view({N, 1, 1});
    // padded: [N, E, H, W] -> gather as [N, k, k, E]
    const auto crop = padded.permute({0, 2, 3, 1}).index({n_idx, ys.unsqueeze(2), xs.unsqueeze(1)}).permute({0, 3, 1, 2});
    auto c = torch::elu(crop1_->forward(crop));
    c = torch::elu(crop2_->forward(c));
    c = torch::elu(crop_fc_->forward(c.flatten(1)));

    auto m = torch::elu(map1_->forward(map));
    m = torch::elu(map2_->forward(m));
    m = torch::elu(map_fc_->forward(m.flatten(1)));

    auto b = (bl.to(torch::kFloat32) * scale_).clamp(-5, 5);
    b = torch::elu(bl2_->forward(torch::elu(bl1_->forward(b))));

    auto msg = obs.at("message").reshape({N, 256}).to(torch::kFloat32) / 255.0;
    msg = torch::elu(msg2_->forward(torch::elu(msg1_->forward(msg))));

    const auto x = torch::cat({c, m, b, msg}, 1).view({T, B, -1});
    return core_->forward(x, state, resets);
  }
  int64_t stateSize() const override { return core_->stateSize(); }
  std::vector<std::string> inputs() const override { return {"chars", "colors", "blstats", "message"}; }
  int64_t macsPerStep() const override { return macs_; }

 private:
  ModelOptions o_;
  nn::Embedding chars_{nullptr}, colors_{nullptr};
  nn::Conv2d crop1_{nullptr}, crop2_{nullptr}, map1_{nullptr}, map2_{nullptr};
  nn::Linear crop_fc_{nullptr}, map_fc_{nullptr}, bl1_{nullptr}, bl2_{nullptr}, msg1_{nullptr}, msg2_{nullptr};
  torch::Tensor scale_;
  std::shared_ptr<CoreAndHeads> core_;
  int64_t macs_ = 0;
};

}  // namespace

std::shared_ptr<PolicyNetImpl> makePolicyNet(const ModelOptions& options, const std::vector<TensorSpec>& obs_spec, int64_t num_actions) {
  if (options.type == "nethack") return std::make_shared<NetHackNet>(options, obs_spec, num_actions);
  if (options.type == "mlp") return std::make_shared<MlpNet>(options, obs_spec, num_actions);
  throw Error(StatusCode::kInvalidArgument, "unknown model.type '" + options.type + "' (valid: nethack, mlp)");
}

int64_t parameterCount(torch::nn::Module& module) {
  int64_t n = 0;
  for (const auto& p : module.parameters()) n += p.numel();
  return n;
}

}  // namespace spur
