// Hashed word tokens: how text environments (ALFWorld, web search, the toy pick game) hand
// text to neural policies without a vocabulary file. A word is a maximal run of ASCII
// letters or digits, lowercased ("cabinet 10," -> "cabinet", "10"); its id is its 32-bit
// FNV-1a hash folded into [1, kTextTokenSpace); 0 pads. The model folds ids into its own
// embedding table size (models/text_policy_net.h), so env and model never share a vocabulary.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace spur {

inline constexpr int32_t kTextTokenSpace = 1 << 24;

// Writes the first out.size() tokens of `text` into `out`, zero-filling the rest; returns the
// number of words written (words past the end are dropped).
std::size_t hashTextTokens(std::string_view text, std::span<int32_t> out);

// A text observation: the first out.size() bytes of `text`, zero-padded (a longer text is cut).
void copyTextObservation(std::string_view text, std::span<uint8_t> out);

}  // namespace spur
