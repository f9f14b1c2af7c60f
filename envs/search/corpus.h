// The web-search env's data: a corpus of passages and question files, in the formats
// Search-R1 and FlashRAG use, so that users' real data loads as is.
//
//   corpus jsonl:    {"id": "<str>", "contents": "\"<Title>\"\n<text>"}   (one passage per line;
//                    the title line keeps its quotes, as Search-R1's server returns it)
//   question jsonl:  {"id": ..., "question": "...", "golden_answers": ["...", ...]} and, in the
//                    files `spur search-generate` writes, also "evidence": [doc ids] (the gold
//                    evidence documents), "hops" (1..4) and "type" (single, bridge, comparison,
//                    intersection). A Search-R1 parquet-derived row with
//                    reward_model.ground_truth.target instead of golden_answers loads too.
//
// Loading is strict: a malformed line is an Error naming the file and the line number; nothing
// is skipped silently.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace spur::search {

struct CorpusDoc {
  std::string id;
  std::string contents;  // "\"Title\"\ntext": the first line is the title (with its quotes)

  // The first line of contents (with quotes), and the rest (lines joined with "\n"), split as
  // Search-R1's _passages2string does.
  std::string_view titleLine() const;
  std::string_view text() const;
};

// contents for a title and a text: "\"" + title + "\"\n" + text.
std::string makeContents(std::string_view title, std::string_view text);

struct SearchQuestion {
  std::string id;
  std::string question;
  std::vector<std::string> golden_answers;  // the answer and its aliases; EM against any
  std::vector<std::string> evidence;        // gold evidence doc ids (empty for real data)
  int64_t hops = 0;                         // 0 when unknown
  std::string type;                         // empty when unknown
};

// Reads a corpus jsonl. Throws Error(kInvalidArgument) naming path:line for a malformed line
// (not JSON, no string "contents", id neither string nor integer) and Error(kNotFound) for a
// missing file. Integer ids are kept as their decimal text.
std::vector<CorpusDoc> loadCorpus(const std::string& path);
// Writes a corpus jsonl (one compact JSON object per line, keys id then contents).
void writeCorpus(const std::vector<CorpusDoc>& docs, const std::string& path);

// Reads a question jsonl (FlashRAG rows, or spur's with evidence/hops/type). Errors as
// loadCorpus; a row without a question or without any golden answer is an error.
std::vector<SearchQuestion> loadQuestions(const std::string& path);
void writeQuestions(const std::vector<SearchQuestion>& questions, const std::string& path);

}  // namespace spur::search
