// Reading a label out of an LLM's free-text answer. Real answers ramble, echo the
// instructions, change case and add markup; anything these functions cannot read is
// Label::kNone (the caller counts and logs it), never an exception.
#pragma once

#include <string_view>

#include "llm_server/label.h"
#include "llm_server/prompt_template.h"

namespace spur {

// Classification, ONI-style verdict markers: the text inside the last <label>...</label>
// decides when it holds exactly one of the two markers; otherwise the whole answer, where
// the marker that occurs last wins (an answer that first echoes "HELPFUL_YES or
// HELPFUL_NO" and then decides is read by its decision). Case-insensitive.
Label parseClassification(std::string_view answer, std::string_view positive_marker, std::string_view negative_marker);

// Ranking, as ONI reads Motif-style answers: the first "best description" verdict
// ("best_description": 1, Best Description: 2, best_description = None, ...) gives
// kFirst, kSecond or kTie.
Label parseRanking(std::string_view answer);

// Dispatch on the template's kind.
Label parseAnswer(const PromptTemplate& t, std::string_view answer);

}  // namespace spur
