// Labels the annotator produces, and the items they are about. Torch-free.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace spur {

// One label per item. Classification: kNotHelpful / kHelpful. Ranking of a pair: kFirst /
// kSecond / kTie. kNone: the backend's answer could not be read (counted, never stored).
enum class Label : int8_t { kNone = -1, kNotHelpful = 0, kHelpful = 1, kFirst = 2, kSecond = 3, kTie = 4 };

std::string_view labelName(Label label);  // "none", "not_helpful", "helpful", "first", "second", "tie"
// Inverse of labelName; nullopt for anything else.
std::optional<Label> labelFromName(std::string_view name);

enum class TemplateKind { kClassification, kRanking };

// What is labelled: one message (classification) or an ordered pair of messages (ranking).
struct AnnotationItem {
  std::string first;
  std::optional<std::string> second;  // set for ranking pairs

  // The item as one string, the key of the label store: the message itself, or a JSON
  // array ["first","second"] for a pair (unambiguous whatever the texts contain).
  std::string key() const;
  bool operator==(const AnnotationItem&) const = default;
};

}  // namespace spur
