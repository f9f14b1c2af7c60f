// The openai backend: OpenAI-compatible HTTP servers (vLLM, llama.cpp server, SGLang) over
// libcurl. chat: one /v1/chat/completions request per item, all items of a call in flight
// at once (curl multi); completions: one /v1/completions request with all prompts.
#include <curl/curl.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "core/http_post.h"
#include "llm_server/answer_parser.h"
#include "llm_server/label_backend.h"
#include "llm_server/openai_client.h"

namespace spur {
namespace {

using json = nlohmann::json;

// The llm.openai checks shared by the label backend and the chat client; returns the base URL
// without trailing slashes and sets api_key from the environment.
std::string checkedBase(const OpenAiBackendOptions& o, std::string& api_key) {
  if (o.api != "chat" && o.api != "completions") throw Error(StatusCode::kInvalidArgument, "llm.openai.api: '" + o.api + "' (valid: chat, completions)");
  if (o.url.rfind("http://", 0) != 0 && o.url.rfind("https://", 0) != 0)
    throw Error(StatusCode::kInvalidArgument, "llm.openai.url: '" + o.url + "' must start with http:// or https://");
  if (o.max_tokens < 1) throw Error(StatusCode::kInvalidArgument, "llm.openai.max_tokens must be >= 1");
  if (o.timeout_s <= 0) throw Error(StatusCode::kInvalidArgument, "llm.openai.timeout_s must be > 0");
  if (const char* key = o.api_key_env.empty() ? nullptr : std::getenv(o.api_key_env.c_str())) api_key = key;
  std::string base = o.url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base;
}

std::string textAt(const json& j, std::initializer_list<const char*> path, const std::string& url) {
  const json* cur = &j;
  std::string where;
  for (const char* key : path) {
    where += std::string("/") + key;
    if (cur->is_array() && std::isdigit(static_cast<unsigned char>(key[0])) && cur->size() > std::stoul(key)) cur = &(*cur)[std::stoul(key)];
    else if (cur->is_object() && cur->contains(key)) cur = &(*cur)[key];
    else throw Error(StatusCode::kUnavailable, url + ": the reply lacks " + where);
  }
  if (cur->is_null()) return "";
  if (!cur->is_string()) throw Error(StatusCode::kUnavailable, url + ": " + where + " is not a string");
  return cur->get<std::string>();
}

class OpenAiBackend : public LabelBackend {
 public:
  explicit OpenAiBackend(const OpenAiBackendOptions& o) : o_(o) { base_ = checkedBase(o, api_key_); }

  std::vector<Annotation> annotate(const PromptTemplate& prompt, const std::vector<AnnotationItem>& items) override {
    std::vector<std::string> users;
    for (const auto& item : items) users.push_back(prompt.render(item));
    if (o_.api == "chat") return chat(prompt, users);
    std::vector<Annotation> out;
    for (const auto& a : completions(prompt, users)) out.push_back({parseAnswer(prompt, a), a, {}});
    return out;
  }
  std::string model() const override { return o_.model; }

 private:
  std::vector<Annotation> chat(const PromptTemplate& prompt, const std::vector<std::string>& users) {
    const std::string url = base_ + "/v1/chat/completions";
    std::vector<std::unique_ptr<HttpPost>> requests;
    CURLM* multi = curl_multi_init();
    for (const auto& user : users) {
      json messages = json::array();
      if (!prompt.system.empty()) messages.push_back({{"role", "system"}, {"content", prompt.system}});
      messages.push_back({{"role", "user"}, {"content", user}});
      const json body = {{"model", o_.model}, {"messages", messages}, {"temperature", o_.temperature}, {"max_tokens", o_.max_tokens}};
      requests.push_back(std::make_unique<HttpPost>(url, body.dump(-1, ' ', false, json::error_handler_t::replace), api_key_, o_.timeout_s));
      curl_multi_add_handle(multi, requests.back()->handle());
    }
    int running = 0;
    do {
      curl_multi_perform(multi, &running);
      if (running) curl_multi_poll(multi, nullptr, 0, 200, nullptr);
    } while (running);
    std::vector<CURLcode> codes(requests.size(), CURLE_OK);
    int left = 0;
    while (CURLMsg* m = curl_multi_info_read(multi, &left))
      if (m->msg == CURLMSG_DONE)
        for (std::size_t i = 0; i < requests.size(); ++i)
          if (requests[i]->handle() == m->easy_handle) codes[i] = m->data.result;
    for (auto& r : requests) curl_multi_remove_handle(multi, r->handle());
    curl_multi_cleanup(multi);
    // Each item's request stands alone: the answers that arrived are kept even when others
    // failed. A server slower than timeout_s per queue of requests (a small local model on a
    // busy machine) then still makes progress with the first answers of every call instead
    // of losing the whole call each time and storing nothing.
    std::vector<Annotation> out(requests.size());
    std::size_t failed = 0;
    std::string first_error;
    for (std::size_t i = 0; i < requests.size(); ++i) {
      try {
        const json reply = requests[i]->result(codes[i]);
        out[i].raw = textAt(reply, {"choices", "0", "message", "content"}, url);
        out[i].label = parseAnswer(prompt, out[i].raw);
      } catch (const Error& e) {
        out[i].error = e.what();
        if (failed++ == 0) first_error = e.what();
      }
    }
    if (failed == requests.size()) throw Error(StatusCode::kUnavailable, first_error);
    return out;
  }

  std::vector<std::string> completions(const PromptTemplate& prompt, const std::vector<std::string>& users) {
    const std::string url = base_ + "/v1/completions";
    json prompts = json::array();
    for (const auto& user : users) prompts.push_back(prompt.system.empty() ? user : prompt.system + "\n\n" + user);
    const json body = {{"model", o_.model}, {"prompt", prompts}, {"temperature", o_.temperature}, {"max_tokens", o_.max_tokens}};
    HttpPost r(url, body.dump(-1, ' ', false, json::error_handler_t::replace), api_key_, o_.timeout_s);
    const json reply = r.perform();
    std::vector<std::string> answers(users.size());
    std::vector<bool> seen(users.size(), false);
    if (!reply.contains("choices") || !reply["choices"].is_array()) throw Error(StatusCode::kUnavailable, url + ": the reply has no 'choices' list");
    for (const auto& c : reply["choices"]) {
      const auto index = c.value("index", json()).is_number_integer() ? c["index"].get<int64_t>() : -1;
      if (index < 0 || index >= static_cast<int64_t>(users.size()) || !c.contains("text") || !c["text"].is_string())
        throw Error(StatusCode::kUnavailable, url + ": a choice without a valid index and text");
      answers[static_cast<std::size_t>(index)] = c["text"].get<std::string>();
      seen[static_cast<std::size_t>(index)] = true;
    }
    for (bool s : seen)
      if (!s) throw Error(StatusCode::kUnavailable, url + ": fewer choices than prompts");
    return answers;
  }

  OpenAiBackendOptions o_;
  std::string base_, api_key_;
};

}  // namespace

std::unique_ptr<LabelBackend> makeOpenAiBackend(const OpenAiBackendOptions& options) { return std::make_unique<OpenAiBackend>(options); }

OpenAiChatClient::OpenAiChatClient(const OpenAiBackendOptions& options) : o_(options) { base_ = checkedBase(options, api_key_); }

std::string OpenAiChatClient::complete(const std::vector<ChatMessage>& messages, const std::vector<std::string>& stop) const {
  json body = {{"model", o_.model}, {"temperature", o_.temperature}, {"max_tokens", o_.max_tokens}};
  if (!stop.empty()) body["stop"] = stop;
  std::string url;
  if (o_.api == "chat") {
    url = base_ + "/v1/chat/completions";
    json list = json::array();
    for (const auto& m : messages) list.push_back({{"role", m.role}, {"content", m.content}});
    body["messages"] = list;
  } else {
    url = base_ + "/v1/completions";
    std::string prompt;
    for (const auto& m : messages) prompt += (prompt.empty() ? "" : "\n\n") + m.content;
    body["prompt"] = prompt;
  }
  HttpPost r(url, body.dump(-1, ' ', false, json::error_handler_t::replace), api_key_, o_.timeout_s);
  const json reply = r.perform();
  return o_.api == "chat" ? textAt(reply, {"choices", "0", "message", "content"}, url) : textAt(reply, {"choices", "0", "text"}, url);
}

}  // namespace spur
