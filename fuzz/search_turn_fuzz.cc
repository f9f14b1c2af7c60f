// The web-search env's reading of an agent's turn and transcript (protocol.h: truncateTurn,
// parseTurn and the tag parsing behind the rewards) over arbitrary text. The first line is
// the gold answer, the rest the agent's text.
#include <cmath>

#include "envs/search/protocol.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  namespace s = spur::search;
  const auto text = spur::fuzz::asText(data, size);
  const auto nl = text.find('\n');
  const std::vector<std::string> golds{std::string(text.substr(0, nl))};
  const std::string_view turn = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);

  const auto cut = s::truncateTurn(turn);
  SPUR_FUZZ_EXPECT(cut.data() == turn.data() && cut.size() <= turn.size());
  const auto parsed = s::parseTurn(cut);
  SPUR_FUZZ_EXPECT((parsed.kind == s::TurnKind::kInvalid) == (parsed.elements == 0));
  SPUR_FUZZ_EXPECT(parsed.content.size() <= cut.size());
  (void)s::stripText(turn);
  (void)s::normalizeAnswer(turn);
  (void)s::exactMatch(parsed.content, golds);
  (void)s::substringMatch(parsed.content, golds);
  const double f1 = s::tokenF1(parsed.content, golds);
  SPUR_FUZZ_EXPECT(f1 >= 0 && f1 <= 1);
  (void)s::lastAnswer(turn);
  for (const auto& j : s::informationJudgements(turn)) SPUR_FUZZ_EXPECT(j.offset < turn.size());
  SPUR_FUZZ_EXPECT(std::isfinite(s::reseekOutcomeScore(turn, golds)));
  (void)s::searchR1ValidFormat(turn);
  SPUR_FUZZ_EXPECT(std::isfinite(s::searchR1FormatScore(turn, golds)));
  (void)s::informationBlock(s::formatPassages({turn, cut}));
  return 0;
}
