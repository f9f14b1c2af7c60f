#include "core/status.h"

#include <doctest/doctest.h>

TEST_CASE("status: OK by default, codes and messages otherwise") {
  CHECK(spur::Status().isOk());
  CHECK(spur::Status::ok().toString() == "OK");
  const auto s = spur::Status::notFound("no nle");
  CHECK_FALSE(s.isOk());
  CHECK(s.code() == spur::StatusCode::kNotFound);
  CHECK(s.toString() == "NOT_FOUND: no nle");
}

TEST_CASE("status: throwIfError throws an Error carrying the status") {
  CHECK_NOTHROW(spur::throwIfError(spur::Status::ok()));
  try {
    spur::throwIfError(spur::Status::invalidArgument("bad key"));
    FAIL("expected a throw");
  } catch (const spur::Error& e) {
    CHECK(std::string(e.what()) == "bad key");
    CHECK(e.status().code() == spur::StatusCode::kInvalidArgument);
  }
}
