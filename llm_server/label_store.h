// LabelStore: the durable label table of the llm_server, in SQLite (WAL journal), keyed by
// (prompt template, model, item). A restarted server answers from it without asking the
// backend again. One object = one connection; not thread-safe: use it from one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "llm_server/label.h"

struct sqlite3;

namespace spur {

struct StoredLabel {
  std::string template_id, model, item;  // item: AnnotationItem::key()
  Label label = Label::kNone;
  std::string raw;                       // the backend's answer, for audits
};

class LabelStore {
 public:
  // Opens (creating if needed) the database at `path`. Error(kDataLoss) naming
  // the path when it is not a usable SQLite file.
  static std::unique_ptr<LabelStore> open(const std::string& path);
  ~LabelStore();
  LabelStore(const LabelStore&) = delete;
  LabelStore& operator=(const LabelStore&) = delete;

  std::optional<Label> find(const std::string& template_id, const std::string& model, const std::string& item);
  // Stores all labels in one transaction; an existing (template, model, item) is replaced.
  // kNone labels are refused (Error kInvalidArgument): "no label" is never stored.
  void put(const std::vector<StoredLabel>& labels);
  int64_t size();
  const std::string& path() const { return path_; }

 private:
  LabelStore(sqlite3* db, std::string path);
  void exec(const char* sql);
  sqlite3* db_;
  std::string path_;
};

}  // namespace spur
