#include "envs/text/text_tokens.h"

#include <algorithm>
#include <cstring>

namespace spur {

std::size_t hashTextTokens(std::string_view text, std::span<int32_t> out) {
  std::size_t n = 0;
  std::size_t i = 0;
  auto word = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  while (i < text.size()) {
    while (i < text.size() && !word(text[i])) ++i;
    if (i >= text.size()) break;
    uint32_t h = 2166136261u;
    while (i < text.size() && word(text[i])) {
      char c = text[i++];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      h = (h ^ static_cast<uint8_t>(c)) * 16777619u;
    }
    // Words past the buffer are still counted, so that callers can tell a cut happened.
    if (n < out.size()) out[n] = static_cast<int32_t>(1 + h % static_cast<uint32_t>(kTextTokenSpace - 1));
    ++n;
  }
  std::fill(out.begin() + static_cast<std::ptrdiff_t>(std::min(n, out.size())), out.end(), 0);
  return n;
}

bool copyTextObservation(std::string_view text, std::span<uint8_t> out) {
  std::fill(out.begin(), out.end(), 0);
  std::size_t n = std::min(text.size(), out.size());
  // text[n] is the first byte left out; while it continues a character (10xxxxxx), that
  // character's lead byte is inside the copy: leave the whole character out. A valid
  // character has at most 3 continuation bytes, so invalid text loses no more than 3.
  for (int k = 0; k < 3 && n < text.size() && n > 0 && (static_cast<uint8_t>(text[n]) & 0xC0) == 0x80; ++k) --n;
  std::memcpy(out.data(), text.data(), n);
  return n < text.size();
}

}  // namespace spur
