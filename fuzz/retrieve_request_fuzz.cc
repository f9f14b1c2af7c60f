// The body of a POST /retrieve as spur retrieve-server reads it (parseRetrieveRequest): any
// bytes give a request within the limits or a 422 refusal whose body is FastAPI's JSON; a
// request that parses keeps at most max_queries queries and a topk in 1..max_topk.
#include <nlohmann/json.hpp>

#include "envs/search/retriever.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  namespace s = spur::search;
  const s::RetrieveRequestLimits limits{64, 10, 3};
  s::RetrieveRequest request;
  const auto refusal = s::parseRetrieveRequest(std::string(spur::fuzz::asText(data, size)), limits, &request);
  if (refusal) {
    SPUR_FUZZ_EXPECT(refusal->status == 422);
    const auto body = nlohmann::json::parse(refusal->body, nullptr, /*allow_exceptions=*/false);
    SPUR_FUZZ_EXPECT(body.is_object() && body.contains("detail"));
    return 0;
  }
  SPUR_FUZZ_EXPECT(request.queries.size() <= static_cast<std::size_t>(limits.max_queries));
  SPUR_FUZZ_EXPECT(request.topk >= 1 && request.topk <= limits.max_topk);
  return 0;
}
