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
// number of words in `text` (words past out.size() are counted, not written: a result above
// out.size() means the tokens were cut).
std::size_t hashTextTokens(std::string_view text, std::span<int32_t> out);

// A text observation: `text` zero-padded to out.size() bytes. A longer text is cut before the
// first UTF-8 character that does not fit whole (a consumer decoding the bytes never meets
// half a character); returns whether it was cut.
bool copyTextObservation(std::string_view text, std::span<uint8_t> out);

}  // namespace spur
