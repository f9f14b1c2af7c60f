// Status and Error: how spur reports failures.
//
// A Status is a code plus a human-readable message that says what went wrong and where
// (a file, a key path, a network peer). Functions that can fail on bad input either
// return a Status or throw spur::Error, which carries one. Programmer errors (broken
// invariants) are not Statuses: they abort through SPUR_CHECK.
//
// Thread-safety: Status and Error are values; copies may be used from any thread.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace spur {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // bad configuration, command-line value or input data
  kNotFound,            // a required file, package or key is missing
  kFailedPrecondition,  // the system is not in a state where the call can succeed
  kDataLoss,            // a message or file is corrupt or truncated
  kUnavailable,         // a peer or service cannot be reached (retrying may help)
  kInternal,            // a library we depend on failed unexpectedly
};

std::string_view statusCodeName(StatusCode code);

// [[nodiscard]]: a Status returned and dropped is a failure nobody heard of.
class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return {}; }
  static Status invalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status notFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status failedPrecondition(std::string m) { return {StatusCode::kFailedPrecondition, std::move(m)}; }
  static Status dataLoss(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }
  static Status unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool isOk() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "INVALID_ARGUMENT: <message>", or "OK".
  std::string toString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// The exception form of a non-OK Status. what() is Status::message().
class Error : public std::runtime_error {
 public:
  explicit Error(Status status);
  Error(StatusCode code, std::string message) : Error(Status(code, std::move(message))) {}
  const Status& status() const { return status_; }

 private:
  Status status_;
};

// Throws Error(status) unless status is OK.
void throwIfError(const Status& status);

// Aborts with file:line and the message when a programmer invariant does not hold.
[[noreturn]] void checkFailed(const char* expr, const char* file, int line, std::string_view message);

}  // namespace spur

#define SPUR_CHECK(cond, msg)                                          \
  do {                                                                 \
    if (!(cond)) ::spur::checkFailed(#cond, __FILE__, __LINE__, (msg)); \
  } while (0)
