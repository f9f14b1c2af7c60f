// OpenAiChatClient: one chat completion from an OpenAI-compatible server (vLLM, llama.cpp's
// server, SGLang), for callers that want the text itself (the LLM policy of text envs) rather
// than a label (LabelBackend). Uses the llm.openai options; api "completions" sends the
// messages joined as one prompt. Torch-free; safe to call from several threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "llm_server/llm_options.h"

namespace spur {

struct ChatMessage {
  std::string role;  // system, user, assistant
  std::string content;
};

class OpenAiChatClient {
 public:
  // Error(kInvalidArgument) naming the llm.openai key for a bad URL, api or limit.
  explicit OpenAiChatClient(const OpenAiBackendOptions& options);
  // The completion's text. stop: strings that end the completion (the server's `stop`).
  // Error(kUnavailable) when the server cannot be reached, times out (options.timeout_s),
  // answers with an HTTP error or with JSON that is not the API's.
  std::string complete(const std::vector<ChatMessage>& messages, const std::vector<std::string>& stop = {}) const;
  const OpenAiBackendOptions& options() const { return o_; }

 private:
  OpenAiBackendOptions o_;
  std::string base_, api_key_;
};

}  // namespace spur
