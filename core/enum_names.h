// Names of option enums: each enum E that the YAML config can hold declares, next to it,
//     constexpr std::span<const EnumName<E>> enumNames(E);   (found by argument lookup)
// listing every value with its YAML spelling. The config decoder turns strings into values
// once, at load (an unknown string is an error naming the valid ones), and the encoder and
// log lines turn values back into the same strings. Torch- and YAML-free.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace spur {

template <class E>
struct EnumName {
  E value;
  std::string_view name;
};

template <class E>
concept NamedEnum = requires(E e) { enumNames(e); };

// The YAML spelling of `value` ("?" for a value not in the table: a programmer error).
template <NamedEnum E>
std::string_view enumName(E value) {
  for (const auto& n : enumNames(value))
    if (n.value == value) return n.name;
  return "?";
}

// "a, b, c": the valid spellings, for error messages.
template <NamedEnum E>
std::string enumChoices() {
  std::string out;
  for (const auto& n : enumNames(E{})) out += (out.empty() ? "" : ", ") + std::string(n.name);
  return out;
}

// The value spelled `name`, or false.
template <NamedEnum E>
bool enumFromName(std::string_view name, E* out) {
  for (const auto& n : enumNames(E{}))
    if (n.name == name) return *out = n.value, true;
  return false;
}

}  // namespace spur
