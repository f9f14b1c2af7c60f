#include "envs/text/text_tokens.h"

#include <algorithm>
#include <cstring>

namespace spur {

std::size_t hashTextTokens(std::string_view text, std::span<int32_t> out) {
  std::size_t n = 0;
  std::size_t i = 0;
  auto word = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  while (i < text.size() && n < out.size()) {
    while (i < text.size() && !word(text[i])) ++i;
    if (i >= text.size()) break;
    uint32_t h = 2166136261u;
    while (i < text.size() && word(text[i])) {
      char c = text[i++];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      h = (h ^ static_cast<uint8_t>(c)) * 16777619u;
    }
    out[n++] = static_cast<int32_t>(1 + h % static_cast<uint32_t>(kTextTokenSpace - 1));
  }
  std::fill(out.begin() + static_cast<std::ptrdiff_t>(n), out.end(), 0);
  return n;
}

void copyTextObservation(std::string_view text, std::span<uint8_t> out) {
  std::fill(out.begin(), out.end(), 0);
  std::memcpy(out.data(), text.data(), std::min(text.size(), out.size()));
}

}  // namespace spur
