#include "llm_server/label_store.h"

#include <sqlite3.h>

namespace spur {
namespace {

// A prepared statement that finalizes itself.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql, const std::string& path) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK)
      throw Error(StatusCode::kDataLoss, "label store " + path + ": " + sqlite3_errmsg(db));
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  sqlite3_stmt* get() { return stmt_; }
  void bind(int i, const std::string& s) { sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT); }
  void bind(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace

std::unique_ptr<LabelStore> LabelStore::open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    const std::string why = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw Error(StatusCode::kDataLoss, "cannot open label store " + path + ": " + why);
  }
  std::unique_ptr<LabelStore> store(new LabelStore(db, path));
  // WAL: readers (an operator's sqlite3 shell) never block the server's writes; NORMAL
  // sync is durable across a crash of the process, which is the failure that matters here.
  store->exec("PRAGMA journal_mode=WAL");
  store->exec("PRAGMA synchronous=NORMAL");
  sqlite3_busy_timeout(db, 5000);
  store->exec(
      "CREATE TABLE IF NOT EXISTS labels (template TEXT NOT NULL, model TEXT NOT NULL, item TEXT NOT NULL, "
      "label INTEGER NOT NULL, raw TEXT NOT NULL, created REAL NOT NULL DEFAULT (julianday('now')), "
      "PRIMARY KEY (template, model, item)) WITHOUT ROWID");
  return store;
}

LabelStore::LabelStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

LabelStore::~LabelStore() { sqlite3_close(db_); }

void LabelStore::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string why = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    // "file is not a database" and friends: name the file, it is the user's to fix.
    throw Error(StatusCode::kDataLoss, "label store " + path_ + ": " + why);
  }
}

std::optional<Label> LabelStore::find(const std::string& template_id, const std::string& model, const std::string& item) {
  Statement s(db_, "SELECT label FROM labels WHERE template = ?1 AND model = ?2 AND item = ?3", path_);
  s.bind(1, template_id);
  s.bind(2, model);
  s.bind(3, item);
  const int rc = sqlite3_step(s.get());
  if (rc == SQLITE_ROW) {
    // Only an integer 0..4 is a label. sqlite3_column_int would read 1.5, '1abc' and 2^32 + 1
    // all as 1 (conversion, then truncation to 32 bits): damage must not read as "helpful".
    const int type = sqlite3_column_type(s.get(), 0);
    const int64_t v = sqlite3_column_int64(s.get(), 0);
    if (type != SQLITE_INTEGER || v < static_cast<int64_t>(Label::kNotHelpful) || v > static_cast<int64_t>(Label::kTie)) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 0));
      throw Error(StatusCode::kDataLoss, "label store " + path_ + ": stored label '" + std::string(text ? text : "NULL").substr(0, 40) +
                                             "' is not a label (file damaged or from another program)");
    }
    return static_cast<Label>(v);
  }
  if (rc != SQLITE_DONE) throw Error(StatusCode::kDataLoss, "label store " + path_ + ": " + sqlite3_errmsg(db_));
  return std::nullopt;
}

void LabelStore::put(const std::vector<StoredLabel>& labels) {
  for (const auto& l : labels)
    if (l.label == Label::kNone) throw Error(StatusCode::kInvalidArgument, "label store: refusing to store 'no label' for an item");
  exec("BEGIN IMMEDIATE");
  try {
    Statement s(db_, "INSERT OR REPLACE INTO labels (template, model, item, label, raw) VALUES (?1, ?2, ?3, ?4, ?5)", path_);
    for (const auto& l : labels) {
      s.bind(1, l.template_id);
      s.bind(2, l.model);
      s.bind(3, l.item);
      s.bind(4, static_cast<int64_t>(l.label));
      s.bind(5, l.raw);
      if (sqlite3_step(s.get()) != SQLITE_DONE) throw Error(StatusCode::kDataLoss, "label store " + path_ + ": " + sqlite3_errmsg(db_));
      sqlite3_reset(s.get());
    }
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

int64_t LabelStore::size() {
  Statement s(db_, "SELECT COUNT(*) FROM labels", path_);
  if (sqlite3_step(s.get()) != SQLITE_ROW) throw Error(StatusCode::kDataLoss, "label store " + path_ + ": " + sqlite3_errmsg(db_));
  return sqlite3_column_int64(s.get(), 0);
}

}  // namespace spur
