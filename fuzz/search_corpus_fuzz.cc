// The web-search env's data files (loadCorpus: corpus jsonl; loadQuestions: question jsonl)
// over arbitrary bytes; the first byte picks the kind. What loads must survive a write and a
// read back unchanged (`spur search-generate` writes these files; the env reads them).
#include "envs/search/corpus.h"
#include "fuzz/fuzz_util.h"

namespace {

bool sameQuestions(const std::vector<spur::search::SearchQuestion>& a, const std::vector<spur::search::SearchQuestion>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].id != b[i].id || a[i].question != b[i].question || a[i].golden_answers != b[i].golden_answers || a[i].evidence != b[i].evidence ||
        a[i].hops != b[i].hops || a[i].type != b[i].type)
      return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  namespace s = spur::search;
  if (size == 0) return 0;
  const std::string path = spur::fuzz::writeScratchFile("data.jsonl", spur::fuzz::asText(data + 1, size - 1));
  const std::string copy = (spur::fuzz::scratchDir() / "copy.jsonl").string();
  try {
    if (data[0] % 2 == 0) {
      const auto docs = s::loadCorpus(path);
      for (const auto& d : docs) SPUR_FUZZ_EXPECT(d.titleLine().size() + d.text().size() <= d.contents.size());
      s::writeCorpus(docs, copy);
      const auto again = s::loadCorpus(copy);
      SPUR_FUZZ_EXPECT(again.size() == docs.size());
      for (std::size_t i = 0; i < docs.size(); ++i) SPUR_FUZZ_EXPECT(again[i].id == docs[i].id && again[i].contents == docs[i].contents);
    } else {
      const auto questions = s::loadQuestions(path);
      s::writeQuestions(questions, copy);
      SPUR_FUZZ_EXPECT(sameQuestions(s::loadQuestions(copy), questions));
    }
  } catch (const spur::Error&) {
  }
  return 0;
}
