#include "models/policy_net.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/status.h"

namespace spur {
namespace {

namespace nn = torch::nn;

// ONI's blstats scaling (refs/oni.md section 9), then clipped to [-5, 5].
const float kBlstatsScale[27] = {1.f / 79, 1.f / 21, 0, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0, 0.1f, 0.1f, 0, 1.f / 1000,
                                 0.1f, 0.1f, 0.1f, 0, 0.1f, 1.f / 100, 1.f / 1000, 1, 0.1f, 0, 0, 0, 0};

// Two embedding tables looked up side by side: out[..., :Ea] = a_table[a], out[..., Ea:] =
// b_table[b], for uint8 indices (b clamped to the b table's size). The same values as two
// torch::nn::Embedding lookups and a cat, but LibTorch 1.13's embedding backward makes one
// BLAS axpy call per index -- 3.5 M calls per training batch on the full NetHack map, a
// sixth of the learner's step; here the gradient is a plain accumulation loop.
class PairEmbedding : public torch::autograd::Function<PairEmbedding> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, torch::Tensor a, torch::Tensor b, torch::Tensor a_table,
                               torch::Tensor b_table) {
    TORCH_CHECK(a.scalar_type() == torch::kUInt8 && b.scalar_type() == torch::kUInt8 && a.sizes() == b.sizes(), "PairEmbedding: uint8 index tensors of one shape");
    TORCH_CHECK(a_table.size(0) >= 256, "PairEmbedding: the first table must cover all 256 byte values");
    a = a.contiguous();
    b = b.contiguous();
    const auto at = a_table.contiguous(), bt = b_table.contiguous();
    const int64_t ea = at.size(1), eb = bt.size(1), e = ea + eb, n = a.numel(), b_max = bt.size(0) - 1;
    auto shape = a.sizes().vec();
    shape.push_back(e);
    auto out = torch::empty(shape, at.options());
    const uint8_t *ai = a.data_ptr<uint8_t>(), *bi = b.data_ptr<uint8_t>();
    const float *aw = at.data_ptr<float>(), *bw = bt.data_ptr<float>();
    float* o = out.data_ptr<float>();
    at::parallel_for(0, n, 4096, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        std::memcpy(o + i * e, aw + ai[i] * ea, sizeof(float) * static_cast<std::size_t>(ea));
        std::memcpy(o + i * e + ea, bw + std::min<int64_t>(bi[i], b_max) * eb, sizeof(float) * static_cast<std::size_t>(eb));
      }
    });
    ctx->save_for_backward({a, b});
    ctx->saved_data["a_rows"] = at.size(0);
    ctx->saved_data["b_rows"] = bt.size(0);
    ctx->saved_data["a_width"] = ea;
    return out;
  }

  static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::tensor_list grads) {
    const auto saved = ctx->get_saved_variables();
    const uint8_t *ai = saved[0].data_ptr<uint8_t>(), *bi = saved[1].data_ptr<uint8_t>();
    const int64_t a_rows = ctx->saved_data["a_rows"].toInt(), b_rows = ctx->saved_data["b_rows"].toInt();
    const auto g = grads[0].contiguous();
    const int64_t e = g.size(-1), n = saved[0].numel(), ea = ctx->saved_data["a_width"].toInt(), eb = e - ea;
    const float* gp = g.data_ptr<float>();
    // One pair of small gradient tables per chunk of indices, summed at the end: no
    // atomics, and each chunk's loop is a short fixed-width accumulation.
    const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(at::get_num_threads(), n / 65536));
    auto ga = torch::zeros({chunks, a_rows, ea}, g.options()), gb = torch::zeros({chunks, b_rows, eb}, g.options());
    float *gap = ga.data_ptr<float>(), *gbp = gb.data_ptr<float>();
    at::parallel_for(0, chunks, 1, [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) {
        float* ta = gap + c * a_rows * ea;
        float* tb = gbp + c * b_rows * eb;
        for (int64_t i = n * c / chunks, end = n * (c + 1) / chunks; i < end; ++i) {
          const float* gi = gp + i * e;
          float* ra = ta + ai[i] * ea;
          for (int64_t j = 0; j < ea; ++j) ra[j] += gi[j];
          float* rb = tb + std::min<int64_t>(bi[i], b_rows - 1) * eb;
          for (int64_t j = 0; j < eb; ++j) rb[j] += gi[ea + j];
        }
      }
    });
    return {torch::Tensor(), torch::Tensor(), ga.sum(0), gb.sum(0)};
  }
};

// Shared recurrent core + heads: everything after the per-step encoder.
class CoreAndHeads : public nn::Module {
 public:
  CoreAndHeads(const ModelOptions& o, int64_t input, int64_t num_actions) : lstm_(o.core == "lstm"), hidden_(o.hidden_size) {
    if (o.core != "gru" && o.core != "lstm") throw Error(StatusCode::kInvalidArgument, "unknown model.core '" + o.core + "' (valid: gru, lstm)");
    if (lstm_) lstm_cell_ = register_module("lstm", nn::LSTMCell(input, hidden_));
    else gru_cell_ = register_module("gru", nn::GRUCell(input, hidden_));
    // num_actions 0: a network with its own policy head (TextNet) uses run() and value().
    if (num_actions > 0) policy_ = register_module("policy", nn::Linear(hidden_, num_actions));
    value_ = register_module("value", nn::Linear(hidden_, 1));
    macs_ = (lstm_ ? 4 : 3) * (input + hidden_) * hidden_ + hidden_ * (num_actions + 1);
  }
  int64_t stateSize() const { return lstm_ ? 2 * hidden_ : hidden_; }
  int64_t macs() const { return macs_; }

  PolicyOutput forward(torch::Tensor x /*[T,B,F]*/, torch::Tensor state, torch::Tensor resets) {
    auto [core, h] = run(x, state, resets);
    return {policy_->forward(core), value_->forward(core).squeeze(-1), h};
  }

  // The recurrent core alone: outputs [T, B, H] and the state after the last step.
  std::pair<torch::Tensor, torch::Tensor> run(torch::Tensor x /*[T,B,F]*/, torch::Tensor state, torch::Tensor resets) {
    const int64_t T = x.size(0);
    std::vector<torch::Tensor> outs;
    outs.reserve(static_cast<std::size_t>(T));
    // The cells' own arithmetic, with the input projection of all T steps done as one
    // matrix product up front: per-step products of [B, F] x [F, 3H] were a third of the
    // learner's step, and one large product is several times faster than T small ones.
    // Same weights and results as torch::nn::GRUCell / LSTMCell (tests/learner compares).
    const auto& w_ih = lstm_ ? lstm_cell_->weight_ih : gru_cell_->weight_ih;
    const auto& b_ih = lstm_ ? lstm_cell_->bias_ih : gru_cell_->bias_ih;
    const auto& w_hh = lstm_ ? lstm_cell_->weight_hh : gru_cell_->weight_hh;
    const auto& b_hh = lstm_ ? lstm_cell_->bias_hh : gru_cell_->bias_hh;
    // unbind, not [t]: each select's backward would write a whole [T, B, G*H] gradient.
    const auto input_gates = torch::nn::functional::linear(x, w_ih, b_ih).unbind(0);  // T x [B, G*H]
    torch::Tensor h = state;
    for (int64_t t = 0; t < T; ++t) {
      const auto keep = (1 - resets[t].to(torch::kFloat32)).unsqueeze(1);
      h = h * keep;
      if (lstm_) {
        const auto hx = h.narrow(1, 0, hidden_), cx = h.narrow(1, hidden_, hidden_);
        const auto gates = (input_gates[static_cast<std::size_t>(t)] + torch::nn::functional::linear(hx, w_hh, b_hh)).chunk(4, 1);  // i, f, g, o
        const auto c = torch::sigmoid(gates[1]) * cx + torch::sigmoid(gates[0]) * torch::tanh(gates[2]);
        h = torch::cat({torch::sigmoid(gates[3]) * torch::tanh(c), c}, 1);
      } else {
        const auto gi = input_gates[static_cast<std::size_t>(t)].chunk(3, 1);  // r, z, n
        const auto gh = torch::nn::functional::linear(h, w_hh, b_hh).chunk(3, 1);
        const auto r = torch::sigmoid(gi[0] + gh[0]), z = torch::sigmoid(gi[1] + gh[1]);
        const auto n = torch::tanh(gi[2] + r * gh[2]);
        h = n + z * (h - n);
      }
      outs.push_back(h.narrow(1, 0, hidden_));
    }
    return {torch::stack(outs), h};  // [T, B, H]
  }
  torch::Tensor value(const torch::Tensor& core) { return value_->forward(core).squeeze(-1); }

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

void requireInputs(const std::vector<TensorSpec>& spec, const std::vector<std::string>& names, ModelType type) {
  for (const auto& n : names)
    if (!findSpec(spec, n))
      throw Error(StatusCode::kInvalidArgument, "model.type " + std::string(enumName(type)) + " needs observation '" + n + "', which the env does not produce (add it to the env's observation keys)");
}

// A flat float observation "features" -> MLP -> core.
class MlpNet : public PolicyNetImpl {
 public:
  MlpNet(const ModelOptions& o, const std::vector<TensorSpec>& spec, int64_t num_actions) {
    requireInputs(spec, inputs(), ModelType::kMlp);
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

// Candidate-action network for text envs (ALFWorld, web search, the toy pick game): the
// task and the step's text, as hashed word tokens (envs/text/text_tokens.h) + their bigrams,
// averaged into embeddings, feed the recurrent core (the observation history); each candidate
// command is embedded the same way, and its logit is the dot product of its encoding with a
// projection of the core state. Inputs: task_tokens [Lt], text_tokens [L], candidate_tokens
// [A, Lc] (int32; 0 pads). Slots the env masks get whatever logit; the mask removes them.
class TextNet : public PolicyNetImpl {
 public:
  TextNet(const ModelOptions& o, const std::vector<TensorSpec>& spec, int64_t num_actions) : vocab_(o.text_vocab) {
    requireInputs(spec, inputs(), ModelType::kText);
    const TensorSpec* cand = findSpec(spec, "candidate_tokens");
    if (cand->shape.size() != 2 || cand->shape[0] != num_actions)
      throw Error(StatusCode::kInvalidArgument, "model.type text: candidate_tokens must be [actions, tokens] with " + std::to_string(num_actions) + " actions");
    if (o.text_vocab < 16) throw Error(StatusCode::kInvalidArgument, "model.text_vocab must be >= 16");
    const int64_t e = o.text_embedding, w = o.encoder_width;
    // Row 0 is the padding row: excluded from each bag's mean and never trained.
    embed_ = register_module("token_embedding", nn::EmbeddingBag(nn::EmbeddingBagOptions(o.text_vocab, e).mode(torch::kMean).padding_idx(0)));
    obs_fc_ = register_module("obs_fc", nn::Linear(2 * e, w));
    cand_fc_ = register_module("candidate_fc", nn::Linear(e, w));
    query_ = register_module("query", nn::Linear(o.hidden_size, w));
    core_ = register_module("core", std::make_shared<CoreAndHeads>(o, w, 0));
    const int64_t tokens = 2 * (findSpec(spec, "task_tokens")->numel() + findSpec(spec, "text_tokens")->numel() + cand->numel());
    macs_ = tokens * e + 2 * e * w + num_actions * (e * w + w) + o.hidden_size * w + core_->macs();
  }

  PolicyOutput forward(const ObsMap& obs, torch::Tensor state, torch::Tensor resets) override {
    const auto& task = obs.at("task_tokens");
    const int64_t T = task.size(0), B = task.size(1);
    const auto t = bag(task.reshape({T * B, -1}));
    const auto x = bag(obs.at("text_tokens").reshape({T * B, -1}));
    const auto in = torch::elu(obs_fc_->forward(torch::cat({t, x}, 1))).view({T, B, -1});
    auto [core, h] = core_->run(in, state, resets);
    const auto& ct = obs.at("candidate_tokens");  // [T, B, A, Lc]
    const int64_t A = ct.size(2);
    const auto cand = torch::elu(cand_fc_->forward(bag(ct.reshape({T * B * A, -1})))).view({T, B, A, -1});
    const auto q = query_->forward(core);  // [T, B, W]
    const auto logits = (cand * q.unsqueeze(2)).sum(-1) / std::sqrt(static_cast<double>(q.size(-1)));
    return {logits, core_->value(core), h};
  }
  int64_t stateSize() const override { return core_->stateSize(); }
  std::vector<std::string> inputs() const override { return {"task_tokens", "text_tokens", "candidate_tokens"}; }
  int64_t macsPerStep() const override { return macs_; }

 private:
  // Mean embedding of each row's words and adjacent-word pairs; ids folded into the table.
  torch::Tensor bag(const torch::Tensor& ids32) {
    const auto ids = ids32.to(torch::kLong);
    const auto present = ids.ne(0);
    const auto uni = torch::where(present, ids.remainder(vocab_ - 1) + 1, torch::zeros_like(ids));
    torch::Tensor all = uni;
    if (ids.size(1) > 1) {
      const auto a = ids.narrow(1, 0, ids.size(1) - 1), b = ids.narrow(1, 1, ids.size(1) - 1);
      const auto both = a.ne(0) & b.ne(0);
      const auto bi = torch::where(both, (a * 1000003 + b).remainder(vocab_ - 1) + 1, torch::zeros_like(a));
      all = torch::cat({uni, bi}, 1);
    }
    return embed_->forward(all);
  }

  int64_t vocab_;
  nn::EmbeddingBag embed_{nullptr};
  nn::Linear obs_fc_{nullptr}, cand_fc_{nullptr}, query_{nullptr};
  std::shared_ptr<CoreAndHeads> core_;
  int64_t macs_ = 0;
};

// ONI-style NetHack network, on characters instead of rendered pixels: an egocentric crop
// of (char, colour) embeddings, a coarse strided view of the whole map, a blstats MLP and
// a message MLP, concatenated into the recurrent core.
class NetHackNet : public PolicyNetImpl {
 public:
  NetHackNet(const ModelOptions& o, const std::vector<TensorSpec>& spec, int64_t num_actions) : o_(o) {
    requireInputs(spec, inputs(), ModelType::kNetHack);
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
    const auto ch = chars.reshape({N, 21, 79});
    const auto co = obs.at("colors").reshape({N, 21, 79});
    const auto bl = obs.at("blstats").reshape({N, 27});
    // [N, 21, 79, E] -> [N, E, 21, 79] (a channels-last view, which the convolution takes as is)
    const auto map = PairEmbedding::apply(ch, co, chars_->weight, colors_->weight).permute({0, 3, 1, 2});

    // Egocentric crop of k x k cells centred on the hero; cells beyond the map are zero.
    // Cut from the index maps and embedded afterwards: cropping the embedded map (padding
    // it, then gathering) moved ~50x more data and cost a third of the learner's step.
    const int64_t r = o_.crop_size / 2, k = o_.crop_size;
    const auto offs = torch::arange(-r, r + 1, torch::kLong);
    const auto ys = bl.select(1, 1).to(torch::kLong).unsqueeze(1) + offs;  // [N, k]
    const auto xs = bl.select(1, 0).to(torch::kLong).unsqueeze(1) + offs;
    const auto inside = (ys.ge(0) & ys.lt(21)).unsqueeze(2) & (xs.ge(0) & xs.lt(79)).unsqueeze(1);  // [N, k, k]
    const auto cells = (ys.clamp(0, 20) * 79).unsqueeze(2) + xs.clamp(0, 78).unsqueeze(1);         // [N, k, k]
    const auto flat = cells.view({N, k * k});
    const auto crop_ch = ch.reshape({N, 21 * 79}).gather(1, flat).view({N, k, k});
    const auto crop_co = co.reshape({N, 21 * 79}).gather(1, flat).view({N, k, k});
    const auto crop = (PairEmbedding::apply(crop_ch, crop_co, chars_->weight, colors_->weight) * inside.unsqueeze(3).to(torch::kFloat32))
                          .permute({0, 3, 1, 2});
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
  switch (options.type) {
    case ModelType::kNetHack: return std::make_shared<NetHackNet>(options, obs_spec, num_actions);
    case ModelType::kMlp: return std::make_shared<MlpNet>(options, obs_spec, num_actions);
    case ModelType::kText: return std::make_shared<TextNet>(options, obs_spec, num_actions);
  }
  SPUR_CHECK(false, "unhandled model.type");
  return nullptr;
}

int64_t parameterCount(torch::nn::Module& module) {
  int64_t n = 0;
  for (const auto& p : module.parameters()) n += p.numel();
  return n;
}

torch::Tensor maskedLogSoftmax(const torch::Tensor& logits, const torch::Tensor& mask) {
  if (!mask.defined()) return torch::log_softmax(logits, -1);
  // A large negative rather than -inf: p * log p stays 0 (not NaN) in the entropy of
  // masked entries.
  return torch::log_softmax(logits.masked_fill(mask.to(torch::kBool).logical_not(), -1e9), -1);
}

}  // namespace spur
