// Search-R1's /retrieve API as spur speaks it (envs/search/retriever.h): the client's reading
// of a reply (parseRetrieveResponse) over arbitrary bytes, and what spur writes in both
// directions: a reply that parses is rendered back (retrieveResponseJson, renderJson) in
// both shapes and must parse to the same results; a request body for the reply's texts
// as queries (retrieveRequestJson) must be valid JSON with those queries.
// The server's own request-body parse is fuzz/retrieve_request_fuzz.cc.
#include <nlohmann/json.hpp>

#include "envs/search/retriever.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  namespace s = spur::search;
  const auto reply = nlohmann::json::parse(spur::fuzz::asText(data, size), nullptr, /*allow_exceptions=*/false);
  if (reply.is_discarded()) return 0;
  const std::size_t queries = reply.is_object() && reply.contains("result") && reply["result"].is_array() ? reply["result"].size() : 1;
  s::RetrievalResults results;
  try {
    results = s::parseRetrieveResponse(reply, queries);
  } catch (const spur::Error&) {
    return 0;
  }
  SPUR_FUZZ_EXPECT(results.size() == queries);
  for (const bool scores : {true, false}) {
    // Messages and passages are bytes: a reply rendered by spur must not throw on them.
    std::string body;
    try {
      body = s::renderJson(s::retrieveResponseJson(results, scores));
    } catch (const nlohmann::json::exception& e) {
      std::fprintf(stderr, "renderJson: %s\n", e.what());
      SPUR_FUZZ_EXPECT(!"a parsed reply renders");
    }
    const auto back = s::parseRetrieveResponse(nlohmann::json::parse(body), queries);
    SPUR_FUZZ_EXPECT(back.size() == results.size());
    for (std::size_t q = 0; q < results.size(); ++q) {
      SPUR_FUZZ_EXPECT(back[q].size() == results[q].size());
      for (std::size_t i = 0; i < results[q].size(); ++i) {
        SPUR_FUZZ_EXPECT(back[q][i].id == results[q][i].id && back[q][i].contents == results[q][i].contents);
        if (scores) SPUR_FUZZ_EXPECT(back[q][i].score == results[q][i].score);
      }
    }
  }
  std::vector<std::string> texts;
  for (const auto& list : results)
    for (const auto& d : list) texts.push_back(d.contents);
  const auto request = nlohmann::json::parse(s::renderJson(s::retrieveRequestJson(texts, 3, true)));
  SPUR_FUZZ_EXPECT(request["queries"].get<std::vector<std::string>>() == texts);
  return 0;
}
