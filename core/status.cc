#include "core/status.h"

#include <cstdio>
#include <cstdlib>

namespace spur {

std::string_view statusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "OK";
    case StatusCode::kInvalidArgument: return "INVALID_ARGUMENT";
    case StatusCode::kNotFound: return "NOT_FOUND";
    case StatusCode::kFailedPrecondition: return "FAILED_PRECONDITION";
    case StatusCode::kDataLoss: return "DATA_LOSS";
    case StatusCode::kUnavailable: return "UNAVAILABLE";
    case StatusCode::kInternal: return "INTERNAL";
  }
  return "UNKNOWN";
}

std::string Status::toString() const {
  if (isOk()) return "OK";
  return std::string(statusCodeName(code_)) + ": " + message_;
}

Error::Error(Status status) : std::runtime_error(status.message()), status_(std::move(status)) {}

void throwIfError(const Status& status) {
  if (!status.isOk()) throw Error(status);
}

void checkFailed(const char* expr, const char* file, int line, std::string_view message) {
  // stderr directly: the logger itself may be what is broken.
  std::fprintf(stderr, "spur: check failed at %s:%d: %s: %.*s\n", file, line, expr,
               static_cast<int>(message.size()), message.data());
  std::abort();
}

}  // namespace spur
