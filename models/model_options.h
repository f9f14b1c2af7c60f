// ModelOptions: the YAML section `model` (torch-free, so configs can include it cheaply).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "core/enum_names.h"

namespace spur {

// The policy network: nethack (crop + coarse map + blstats + message, ONI-style) or mlp
// (a flat float observation "features", for the toy env).
enum class ModelType { kNetHack, kMlp, kText };
inline constexpr std::array<EnumName<ModelType>, 3> kModelTypeNames{{{ModelType::kNetHack, "nethack"}, {ModelType::kMlp, "mlp"}, {ModelType::kText, "text"}}};
constexpr std::span<const EnumName<ModelType>> enumNames(ModelType) { return kModelTypeNames; }

struct ModelOptions {
  // Network (ModelType). Default: nethack.
  ModelType type = ModelType::kNetHack;
  // Recurrent core: gru or lstm. Default: gru.
  std::string core = "gru";
  // Recurrent state size. Default: 512 (ONI).
  int64_t hidden_size = 512;
  // nethack: side of the square crop around the hero. Default: 9.
  int64_t crop_size = 9;
  // nethack: embedding sizes of characters and colours. Default: 16, 8.
  int64_t char_embedding = 16;
  int64_t color_embedding = 8;
  // nethack: conv channels for crop and coarse map. Default: 32.
  int64_t conv_channels = 32;
  // Width of the encoder MLPs (blstats, message, crop/map projections, mlp). Default: 128.
  int64_t encoder_width = 128;
  // text: hashed-token embedding rows (env token ids are folded into them) and width.
  // Default: 16384, 64.
  int64_t text_vocab = 16384;
  int64_t text_embedding = 64;

  template <class B>
  void bind(B& b) {
    b.field("type", type);
    b.field("core", core);
    b.field("hidden_size", hidden_size);
    b.field("crop_size", crop_size);
    b.field("char_embedding", char_embedding);
    b.field("color_embedding", color_embedding);
    b.field("conv_channels", conv_channels);
    b.field("encoder_width", encoder_width);
    b.field("text_vocab", text_vocab);
    b.field("text_embedding", text_embedding);
  }
};

}  // namespace spur
