#include "llm_server/label.h"

#include <array>
#include <nlohmann/json.hpp>
#include <utility>

namespace spur {
namespace {

constexpr std::array<std::pair<Label, std::string_view>, 6> kNames{{{Label::kNone, "none"},
                                                                    {Label::kNotHelpful, "not_helpful"},
                                                                    {Label::kHelpful, "helpful"},
                                                                    {Label::kFirst, "first"},
                                                                    {Label::kSecond, "second"},
                                                                    {Label::kTie, "tie"}}};

}  // namespace

std::string_view labelName(Label label) {
  for (const auto& [l, n] : kNames)
    if (l == label) return n;
  return "invalid";
}

std::optional<Label> labelFromName(std::string_view name) {
  for (const auto& [l, n] : kNames)
    if (n == name) return l;
  return std::nullopt;
}

std::string AnnotationItem::key() const {
  if (!second) return first;
  // dump() with replacement: messages are bytes from a game and may not be valid UTF-8.
  return nlohmann::json::array({first, *second}).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace spur
