// The llm_server's request decoding (runLlmServer: readAnnotateRequest) over arbitrary
// frames, with two templates: "classify" (single messages) and "rank" (pairs); then what the
// server does with each decoded item before the backend sees it: the label-store key and the
// rendered prompt.
#include "fuzz/fuzz_util.h"
#include "llm_server/annotate_request.h"

namespace {

std::shared_ptr<const spur::PromptTemplate> lookup(const std::string& id) {
  static const auto classify = std::make_shared<const spur::PromptTemplate>(
      spur::PromptTemplate{"classify", spur::TemplateKind::kClassification, "system", "Is this helpful? {message}", "YES", "NO"});
  static const auto rank = std::make_shared<const spur::PromptTemplate>(
      spur::PromptTemplate{"rank", spur::TemplateKind::kRanking, "system", "1: {first}\n2: {second}", "", ""});
  if (id == "classify") return classify;
  if (id == "rank") return rank;
  throw spur::Error(spur::StatusCode::kInvalidArgument, "prompt template '" + id + "' not found");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  auto msg = spur::fuzz::asMessage(data, size);
  spur::AnnotateRequestData req;
  const spur::Status s = spur::readAnnotateRequest(msg, lookup, &req);
  if (!s.isOk()) {
    SPUR_FUZZ_EXPECT(!s.message().empty());  // the refusal's text is the client's only clue
    return 0;
  }
  SPUR_FUZZ_EXPECT(req.prompt != nullptr);
  for (const auto& item : req.items) {
    SPUR_FUZZ_EXPECT(item.second.has_value() == (req.prompt->kind == spur::TemplateKind::kRanking));
    (void)item.key();
    (void)req.prompt->render(item);
  }
  return 0;
}
