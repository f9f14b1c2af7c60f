// The llm_server's label store read back (LabelStore::open, find, size, put) from an SQLite
// file whose rows the fuzzer writes, as a damaged file or another program could have left
// them. The input is a list of rows, each: template, model and item (NUL-terminated texts),
// then a type byte and the label's value as SQLite stores it (integer, real, text, blob or
// null). The first byte picks the table: the store's own, or one with the same name and
// other columns or constraints. A label read back must be stored as exactly that integer.
#include <sqlite3.h>

#include <bit>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "fuzz/fuzz_util.h"
#include "llm_server/label_store.h"

namespace {

struct Row {
  std::string template_id, model, item;
  int type = SQLITE_INTEGER;
  int64_t integer = 0;
  double real = 0;
  std::string bytes;
};

void check(int rc, sqlite3* db) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    std::fprintf(stderr, "sqlite: %s\n", sqlite3_errmsg(db));
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  spur::fuzz::ByteReader in(data, size);
  // The store's own schema; untyped columns without a key (duplicates, any storage class);
  // no label column.
  static constexpr const char* kStoreSchema =
      "CREATE TABLE labels (template TEXT NOT NULL, model TEXT NOT NULL, item TEXT NOT NULL, label INTEGER NOT NULL, raw TEXT NOT NULL, "
      "created REAL NOT NULL DEFAULT (julianday('now')), PRIMARY KEY (template, model, item)) WITHOUT ROWID";
  static constexpr const char* kTables[] = {kStoreSchema, "CREATE TABLE labels (template, model, item, label, raw, created)",
                                            "CREATE TABLE labels (template TEXT, model TEXT, item TEXT, raw TEXT)"};
  const int table = in.byte() % 3;
  std::vector<Row> rows;
  while (!in.empty() && rows.size() < 16) {
    Row r;
    r.template_id = in.until('\0');
    r.model = in.until('\0');
    r.item = in.until('\0');
    switch (in.byte() % 5) {
      case 0: r.type = SQLITE_INTEGER; r.integer = in.int64(); break;
      case 1: r.type = SQLITE_FLOAT; r.real = std::bit_cast<double>(in.int64()); break;
      case 2: r.type = SQLITE_TEXT; r.bytes = in.until('\0'); break;
      case 3: r.type = SQLITE_BLOB; r.bytes = in.until('\0'); break;
      default: r.type = SQLITE_NULL;
    }
    rows.push_back(std::move(r));
  }

  const std::string path = (spur::fuzz::scratchDir() / "labels.sqlite").string();
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::remove((path + suffix).c_str());
  sqlite3* db = nullptr;
  check(sqlite3_open(path.c_str(), &db), db);
  check(sqlite3_exec(db, "PRAGMA synchronous=OFF", nullptr, nullptr, nullptr), db);
  check(sqlite3_exec(db, kTables[table], nullptr, nullptr, nullptr), db);
  if (table != 2) {
    sqlite3_stmt* st = nullptr;
    check(sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO labels (template, model, item, label, raw, created) VALUES (?1, ?2, ?3, ?4, 'raw', 0)", -1, &st, nullptr), db);
    for (const auto& r : rows) {
      sqlite3_bind_text(st, 1, r.template_id.data(), static_cast<int>(r.template_id.size()), SQLITE_TRANSIENT);
      sqlite3_bind_text(st, 2, r.model.data(), static_cast<int>(r.model.size()), SQLITE_TRANSIENT);
      sqlite3_bind_text(st, 3, r.item.data(), static_cast<int>(r.item.size()), SQLITE_TRANSIENT);
      switch (r.type) {
        case SQLITE_INTEGER: sqlite3_bind_int64(st, 4, r.integer); break;
        case SQLITE_FLOAT: sqlite3_bind_double(st, 4, r.real); break;
        case SQLITE_TEXT: sqlite3_bind_text(st, 4, r.bytes.data(), static_cast<int>(r.bytes.size()), SQLITE_TRANSIENT); break;
        case SQLITE_BLOB: sqlite3_bind_blob(st, 4, r.bytes.data(), static_cast<int>(r.bytes.size()), SQLITE_TRANSIENT); break;
        default: sqlite3_bind_null(st, 4);
      }
      sqlite3_step(st);  // NOT NULL and the key refuse some rows
      sqlite3_reset(st);
    }
    sqlite3_finalize(st);
  }
  // Per row's key, the labels stored under it that are integers 0..4 (as SQLite stored them:
  // the store's INTEGER column turns '1' and 1.0 into 1).
  std::map<std::tuple<std::string, std::string, std::string>, std::set<int64_t>> valid;
  if (table != 2) {
    sqlite3_stmt* st = nullptr;
    check(sqlite3_prepare_v2(db, "SELECT label FROM labels WHERE template = ?1 AND model = ?2 AND item = ?3 AND typeof(label) = 'integer'", -1, &st, nullptr), db);
    for (const auto& r : rows) {
      sqlite3_bind_text(st, 1, r.template_id.data(), static_cast<int>(r.template_id.size()), SQLITE_TRANSIENT);
      sqlite3_bind_text(st, 2, r.model.data(), static_cast<int>(r.model.size()), SQLITE_TRANSIENT);
      sqlite3_bind_text(st, 3, r.item.data(), static_cast<int>(r.item.size()), SQLITE_TRANSIENT);
      auto& labels = valid[{r.template_id, r.model, r.item}];
      while (sqlite3_step(st) == SQLITE_ROW) {
        const int64_t v = sqlite3_column_int64(st, 0);
        if (v >= 0 && v <= 4) labels.insert(v);
      }
      sqlite3_reset(st);
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);

  try {
    auto store = spur::LabelStore::open(path);
    for (const auto& r : rows) {
      std::optional<spur::Label> got;
      try {
        got = store->find(r.template_id, r.model, r.item);
      } catch (const spur::Error&) {
        continue;  // refused as damaged: allowed for any row
      }
      if (!got) continue;
      // Found: some row with this key holds exactly the label read, as an integer.
      const bool written = valid[{r.template_id, r.model, r.item}].count(static_cast<int64_t>(*got)) > 0;
      if (!written) std::fprintf(stderr, "label store read label %d for a row that does not hold it\n", static_cast<int>(*got));
      SPUR_FUZZ_EXPECT(written);
    }
    (void)store->size();
    // A new label is stored and found (under a key none of the rows has).
    bool fresh = true;
    for (const auto& r : rows) fresh = fresh && !(r.template_id == "t" && r.model == "m" && r.item == "new");
    store->put({{"t", "m", "new", spur::Label::kHelpful, "raw"}});
    if (fresh) {
      const auto back = store->find("t", "m", "new");
      SPUR_FUZZ_EXPECT(back && *back == spur::Label::kHelpful);
    }
  } catch (const spur::Error&) {
  }
  return 0;
}
