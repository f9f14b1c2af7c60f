#include "core/subprocess.h"

#include <doctest/doctest.h>

TEST_CASE("subprocess: captures stdout and the exit code") {
  spur::SubprocessResult r;
  REQUIRE(spur::runSubprocess({"sh", "-c", "echo hello; exit 3"}, &r).isOk());
  CHECK(r.output == "hello\n");
  CHECK(r.exit_code == 3);
}

TEST_CASE("subprocess: a missing program is NotFound") {
  spur::SubprocessResult r;
  const auto s = spur::runSubprocess({"/nonexistent/program"}, &r);
  CHECK(s.code() == spur::StatusCode::kNotFound);
}
