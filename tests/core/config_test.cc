#include "core/config.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <span>
#include <filesystem>
#include <fstream>
#include <optional>

namespace {

struct Inner {
  int64_t steps = 5;
  double lr = 1e-4;
  std::optional<std::string> mode;
  template <class B> void bind(B& b) {
    b.field("steps", steps);
    b.field("lr", lr);
    b.field("mode", mode);
  }
};

struct Outer {
  std::string name = "default";
  bool flag = false;
  uint8_t small = 1;
  uint32_t count = 2;
  std::vector<std::string> keys{"a"};
  Inner inner;
  template <class B> void bind(B& b) {
    b.field("name", name);
    b.field("flag", flag);
    b.field("small", small);
    b.field("count", count);
    b.field("keys", keys);
    b.field("inner", inner);
  }
};

std::string writeTemp(const std::string& text) {
  static int n = 0;
  const auto path = std::filesystem::temp_directory_path() / ("spur_config_test_" + std::to_string(getpid()) + "_" + std::to_string(n++) + ".yaml");
  std::ofstream(path) << text;
  return path.string();
}

std::string errorOf(const std::string& yaml, const std::vector<std::string>& overrides = {}) {
  const std::string file = writeTemp(yaml);
  try {
    spur::config::load<Outer>(file, overrides);
  } catch (const spur::Error& e) {
    CHECK(e.status().code() == spur::StatusCode::kInvalidArgument);
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("config: absent keys keep the struct defaults") {
  const Outer o = spur::config::load<Outer>(writeTemp(""), {});
  CHECK(o.name == "default");
  CHECK(o.inner.steps == 5);
  CHECK(o.keys == std::vector<std::string>{"a"});
  CHECK_FALSE(o.inner.mode.has_value());
}

TEST_CASE("config: values of every supported type are read") {
  const Outer o = spur::config::load<Outer>(
      writeTemp("name: x\nflag: true\nsmall: 200\ncount: 7\nkeys: [p, q]\ninner:\n  steps: 9\n  lr: 0.5\n  mode: fast\n"), {});
  CHECK(o.name == "x");
  CHECK(o.flag);
  CHECK(o.small == 200);
  CHECK(o.count == 7);
  CHECK(o.keys == std::vector<std::string>{"p", "q"});
  CHECK(o.inner.steps == 9);
  CHECK(o.inner.lr == doctest::Approx(0.5));
  CHECK(o.inner.mode == std::optional<std::string>("fast"));
}

TEST_CASE("config: an empty section keeps its defaults") {
  const Outer o = spur::config::load<Outer>(writeTemp("inner:\n"), {});
  CHECK(o.inner.steps == 5);
}

TEST_CASE("config: unknown keys name the file, the full path and the valid keys") {
  const std::string e = errorOf("inner:\n  stpes: 3\n");
  CHECK(e.find(".yaml: inner.stpes: unknown key") != std::string::npos);
  CHECK(e.find("valid keys: steps, lr, mode") != std::string::npos);
  CHECK(errorOf("nmae: 1\n").find(": nmae: unknown key") != std::string::npos);
}

TEST_CASE("config: wrong types are errors with the key path") {
  CHECK(errorOf("inner:\n  steps: many\n").find("inner.steps: expected an integer, got 'many'") != std::string::npos);
  CHECK(errorOf("inner:\n  steps: 1.5\n").find("inner.steps: expected an integer") != std::string::npos);
  CHECK(errorOf("flag: maybe\n").find("flag: expected true or false") != std::string::npos);
  CHECK(errorOf("inner:\n  lr: fast\n").find("inner.lr: expected a number") != std::string::npos);
  CHECK(errorOf("keys: a\n").find("keys: expected a list") != std::string::npos);
  CHECK(errorOf("keys: [a, [b]]\n").find("keys[1]: expected a string, got a list") != std::string::npos);
  CHECK(errorOf("inner: 3\n").find("inner: expected a mapping") != std::string::npos);
  CHECK(errorOf("name: {a: 1}\n").find("name: expected a string, got a mapping") != std::string::npos);
}

TEST_CASE("config: integers out of range are errors, not wrap-arounds") {
  CHECK(errorOf("small: 300\n").find("small: integer 300 out of range") != std::string::npos);
  CHECK(errorOf("count: -1\n").find("count: expected a non-negative integer") != std::string::npos);
}

TEST_CASE("config: overrides set nested values and win over the file") {
  const Outer o = spur::config::load<Outer>(writeTemp("inner:\n  steps: 9\n"),
                                            {"inner.steps=11", "name=over", "keys=[x, y, z]", "inner.mode=slow"});
  CHECK(o.inner.steps == 11);
  CHECK(o.name == "over");
  CHECK(o.keys.size() == 3);
  CHECK(o.inner.mode == std::optional<std::string>("slow"));
}

TEST_CASE("config: overrides create missing sections") {
  const Outer o = spur::config::load<Outer>(writeTemp("name: x\n"), {"inner.lr=0.25"});
  CHECK(o.inner.lr == doctest::Approx(0.25));
}

TEST_CASE("config: a bad override value names the override") {
  const std::string e = errorOf("inner:\n  steps: 9\n", {"inner.steps=lots"});
  CHECK(e.find("command-line override inner.steps: expected an integer, got 'lots'") != std::string::npos);
  CHECK(errorOf("", {"inner.nope=1"}).find("command-line override inner.nope: unknown key") != std::string::npos);
}

TEST_CASE("config: malformed overrides are errors") {
  CHECK(errorOf("", {"inner.steps"}).find("expected key.path=value") != std::string::npos);
  CHECK(errorOf("", {"=3"}).find("expected key.path=value") != std::string::npos);
  CHECK(errorOf("", {"inner..steps=3"}).find("empty key in path") != std::string::npos);
  CHECK(errorOf("", {"name.x=3"}).find("name is not a mapping") == std::string::npos);  // name absent: becomes a map
  CHECK(errorOf("name: s\n", {"name.x=3"}).find("override 'name.x=3': name is not a mapping") != std::string::npos);
}

TEST_CASE("config: YAML syntax errors name the file and line") {
  const std::string file = writeTemp("name: x\ninner: [\n");
  try {
    spur::config::load<Outer>(file, {});
    FAIL("expected an error");
  } catch (const spur::Error& e) {
    CHECK(std::string(e.what()).find(file + ":") == 0);
    CHECK(std::string(e.what()).find("YAML syntax error") != std::string::npos);
  }
}

TEST_CASE("config: a missing file is NotFound and names the file") {
  try {
    spur::config::load<Outer>("/nonexistent/x.yaml", {});
    FAIL("expected an error");
  } catch (const spur::Error& e) {
    CHECK(e.status().code() == spur::StatusCode::kNotFound);
    CHECK(std::string(e.what()).find("/nonexistent/x.yaml") != std::string::npos);
  }
}

TEST_CASE("config: encode writes every field and decodes back to the same values") {
  Outer o;
  o.name = "round";
  o.inner.steps = 42;
  o.inner.mode = "m";
  const YAML::Node n = spur::config::encode(o);
  CHECK(n["inner"]["steps"].as<int64_t>() == 42);
  const Outer back = spur::config::decode<Outer>(n, {});
  CHECK(back.name == "round");
  CHECK(back.inner.steps == 42);
  CHECK(back.inner.mode == std::optional<std::string>("m"));
  Outer unset;
  CHECK(spur::config::encode(unset)["inner"]["mode"].IsNull());
}

namespace {

enum class Colour { kRed, kGreen };
constexpr std::array<spur::EnumName<Colour>, 2> kColourNames{{{Colour::kRed, "red"}, {Colour::kGreen, "green"}}};
constexpr std::span<const spur::EnumName<Colour>> enumNames(Colour) { return kColourNames; }

struct WithEnum {
  Colour colour = Colour::kRed;
  spur::config::Sections rest;
  template <class B> void bind(B& b) {
    b.field("colour", colour);
    b.rest(rest);
  }
};

}  // namespace

TEST_CASE("config: enums are parsed once at load and an unknown name lists the valid ones") {
  auto w = spur::config::decode<WithEnum>(YAML::Load("{colour: green}"), {"x.yaml", {}});
  CHECK(w.colour == Colour::kGreen);
  CHECK(spur::enumName(w.colour) == "green");
  CHECK_THROWS_WITH_AS(spur::config::decode<WithEnum>(YAML::Load("{colour: blue}"), {"x.yaml", {}}),
                       "x.yaml: colour: expected one of red, green, got 'blue'", spur::Error);
  CHECK_THROWS_WITH_AS(spur::config::decode<WithEnum>(YAML::Load("{colour: [red]}"), {"x.yaml", {}}),
                       "x.yaml: colour: expected one of red, green, got a list", spur::Error);
  // Written back under its name.
  CHECK(spur::config::encode(w)["colour"].as<std::string>() == "green");
}

TEST_CASE("config: unclaimed keys go to Sections, decoded later with their full path and source") {
  spur::config::Source src{"x.yaml", {}};
  YAML::Node root = YAML::Load("{colour: red, inner: {steps: 9}}");
  spur::config::applyOverride(root, "inner.lr=oops", src);
  const auto w = spur::config::decode<WithEnum>(root, src);  // the section is not decoded yet: no error
  CHECK_THROWS_WITH_AS(spur::config::decodeSection<Inner>(w.rest, "inner"), "command-line override inner.lr: expected a number, got 'oops'",
                       spur::Error);
  YAML::Node ok = YAML::Load("{inner: {steps: 9}}");
  const auto w2 = spur::config::decode<WithEnum>(ok, src);
  CHECK(spur::config::decodeSection<Inner>(w2.rest, "inner").steps == 9);
  CHECK(spur::config::decodeSection<Inner>(w2.rest, "missing").steps == 5);  // absent: the defaults
  CHECK(spur::config::encode(w2)["inner"]["steps"].as<int>() == 9);  // kept in the resolved config
}
