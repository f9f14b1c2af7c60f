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

TEST_CASE("subprocess: a shell command line of argv gives the shell back exactly argv") {
  const std::vector<std::string> argv = {"printf", "[%s]\\n", "/runs/with space", "it's", "a\"b", "$HOME", "`x`", "", "plain-1.0:x=y"};
  CHECK(spur::shellQuote("plain-1.0:x=y") == "plain-1.0:x=y");
  CHECK(spur::shellQuote("it's") == "'it'\\''s'");
  spur::SubprocessResult r;
  REQUIRE(spur::runSubprocess({"bash", "-c", "eval \"$0\"", spur::shellCommandLine(argv)}, &r).isOk());
  CHECK(r.exit_code == 0);
  CHECK(r.output == "[/runs/with space]\n[it's]\n[a\"b]\n[$HOME]\n[`x`]\n[]\n[plain-1.0:x=y]\n");
}
