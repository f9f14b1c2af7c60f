#include "llm_server/label_store.h"

#include <doctest/doctest.h>
#include <sqlite3.h>

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

TEST_CASE("label store: a stored label that is not exactly an integer 0..4 is damage, not a label") {
  const fs::path dir = freshDir("store4");
  const std::string path = (dir / "labels.sqlite").string();
  LabelStore::open(path)->put({{"t", "m", "good", Label::kSecond, ""}});
  // What a damaged file or another program may hold: each used to read as 1 (helpful).
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db,
                       "INSERT INTO labels (template, model, item, label, raw) VALUES ('t', 'm', 'real', 1.5, ''), ('t', 'm', 'text', '1abc', ''), "
                       "('t', 'm', 'wide', 4294967297, ''), ('t', 'm', 'big', 7, '')",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  auto store = LabelStore::open(path);
  CHECK(store->find("t", "m", "good") == Label::kSecond);
  for (const char* item : {"real", "text", "wide", "big"}) {
    CAPTURE(item);
    try {
      store->find("t", "m", item);
      FAIL("read a damaged label as a label");
    } catch (const spur::Error& e) {
      CHECK(e.status().code() == spur::StatusCode::kDataLoss);
      CHECK(std::string(e.what()).find("is not a label") != std::string::npos);
    }
  }
  fs::remove_all(dir);
}
