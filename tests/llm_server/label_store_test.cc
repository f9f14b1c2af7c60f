#include "llm_server/label_store.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "core/status.h"

namespace fs = std::filesystem;
using spur::Label;
using spur::LabelStore;

namespace {
fs::path freshDir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("spur-test-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}
}  // namespace

TEST_CASE("label store: labels survive closing and reopening the file") {
  const fs::path dir = freshDir("store");
  {
    auto store = LabelStore::open((dir / "labels.sqlite").string());
    store->put({{"classify_score", "m", "You kill the newt!", Label::kHelpful, "raw 1"}, {"classify_score", "m", "Hello.", Label::kNotHelpful, "raw 2"}});
    CHECK(store->size() == 2);
  }
  auto store = LabelStore::open((dir / "labels.sqlite").string());
  CHECK(store->size() == 2);
  CHECK(store->find("classify_score", "m", "You kill the newt!") == Label::kHelpful);
  CHECK(store->find("classify_score", "m", "Hello.") == Label::kNotHelpful);
  // Keyed by template and model too.
  CHECK_FALSE(store->find("classify_gold", "m", "Hello.").has_value());
  CHECK_FALSE(store->find("classify_score", "other-model", "Hello.").has_value());
  fs::remove_all(dir);
}

TEST_CASE("label store: a label is replaced, and 'no label' is never stored") {
  const fs::path dir = freshDir("store2");
  auto store = LabelStore::open((dir / "l.sqlite").string());
  store->put({{"t", "m", "x", Label::kHelpful, ""}});
  store->put({{"t", "m", "x", Label::kNotHelpful, ""}});
  CHECK(store->size() == 1);
  CHECK(store->find("t", "m", "x") == Label::kNotHelpful);
  CHECK_THROWS_AS(store->put({{"t", "m", "y", Label::kNone, ""}}), spur::Error);
  CHECK(store->size() == 1);
  fs::remove_all(dir);
}

TEST_CASE("label store: a file that is not SQLite is an error naming the file") {
  const fs::path dir = freshDir("store3");
  const fs::path bad = dir / "labels.sqlite";
  std::ofstream(bad) << "this is not a database, just text that is long enough to look like a header........";
  try {
    LabelStore::open(bad.string());
    FAIL("opened a text file as a label store");
  } catch (const spur::Error& e) {
    CHECK(std::string(e.what()).find(bad.string()) != std::string::npos);
  }
  fs::remove_all(dir);
}
