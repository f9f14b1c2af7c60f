#include "core/http_post.h"

#include <mutex>

#include "core/status.h"

namespace spur {
namespace {

std::size_t appendBody(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

}  // namespace

HttpPost::HttpPost(const std::string& url, std::string body, const std::string& bearer_token, double timeout_s,
                   double connect_timeout_s)
    : url_(url), body_(std::move(body)) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  handle_ = curl_easy_init();
  if (!handle_) throw Error(StatusCode::kUnavailable, "libcurl: cannot create a handle");
  headers_ = curl_slist_append(headers_, "Content-Type: application/json");
  if (!bearer_token.empty()) headers_ = curl_slist_append(headers_, ("Authorization: Bearer " + bearer_token).c_str());
  curl_easy_setopt(handle_, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(handle_, CURLOPT_HTTPHEADER, headers_);
  curl_easy_setopt(handle_, CURLOPT_POSTFIELDS, body_.c_str());
  curl_easy_setopt(handle_, CURLOPT_POSTFIELDSIZE, static_cast<long>(body_.size()));
  curl_easy_setopt(handle_, CURLOPT_WRITEFUNCTION, appendBody);
  curl_easy_setopt(handle_, CURLOPT_WRITEDATA, &reply_);
  curl_easy_setopt(handle_, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_s * 1000));
  curl_easy_setopt(handle_, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_timeout_s * 1000));
  curl_easy_setopt(handle_, CURLOPT_NOSIGNAL, 1L);  // worker threads: no SIGALRM for timeouts
}

HttpPost::~HttpPost() {
  curl_slist_free_all(headers_);
  curl_easy_cleanup(handle_);
}

nlohmann::json HttpPost::perform() { return result(curl_easy_perform(handle_)); }

long HttpPost::httpStatus() const {
  long status = 0;
  curl_easy_getinfo(handle_, CURLINFO_RESPONSE_CODE, &status);
  return status;
}

nlohmann::json HttpPost::result(CURLcode code) {
  if (code != CURLE_OK) throw Error(StatusCode::kUnavailable, url_ + ": " + curl_easy_strerror(code));
  const long status = httpStatus();
  if (status != 200) throw Error(StatusCode::kUnavailable, url_ + ": HTTP " + std::to_string(status) + ": " + reply_.substr(0, 200));
  try {
    return nlohmann::json::parse(reply_);
  } catch (const nlohmann::json::exception&) {
    throw Error(StatusCode::kUnavailable, url_ + ": the reply is not JSON: " + reply_.substr(0, 200));
  }
}

}  // namespace spur
