// HttpPost: one prepared JSON POST over libcurl, shared by every HTTP client of spur (the
// OpenAI-compatible LLM backends, the web-search env's retriever client). Run it with
// curl_easy_perform(handle()) or add handle() to a curl multi; then result() checks the reply.
// An object is used by one thread at a time; any number may exist on any threads.
#pragma once

#include <curl/curl.h>

#include <nlohmann/json.hpp>
#include <string>

namespace spur {

class HttpPost {
 public:
  // bearer_token: sent as "Authorization: Bearer ..." when not empty. timeout_s bounds the
  // whole request, connect_timeout_s the connection.
  HttpPost(const std::string& url, std::string body, const std::string& bearer_token, double timeout_s,
           double connect_timeout_s = 10);
  ~HttpPost();
  HttpPost(const HttpPost&) = delete;
  HttpPost& operator=(const HttpPost&) = delete;

  CURL* handle() { return handle_; }
  // Performs the request on this thread and returns result().
  nlohmann::json perform();
  // The reply's JSON for the transfer's outcome `code`, or Error(kUnavailable) naming the URL
  // and what went wrong (curl error, HTTP status other than 200 with the reply's start, a
  // reply that is not JSON).
  nlohmann::json result(CURLcode code);
  // The HTTP status of the finished transfer (0 when there was no reply).
  long httpStatus() const;

 private:
  std::string url_, body_, reply_;
  CURL* handle_ = nullptr;
  curl_slist* headers_ = nullptr;
};

}  // namespace spur
