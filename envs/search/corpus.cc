#include "envs/search/corpus.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "core/status.h"

namespace spur::search {
namespace {

using nlohmann::json;

std::string where(const std::string& path, int64_t line) { return path + ":" + std::to_string(line); }

std::ifstream openInput(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(StatusCode::kNotFound, path + ": cannot open");
  return in;
}

// Ids are strings in Search-R1's corpus; FlashRAG and users' own files sometimes carry integers.
std::string idText(const json& v, const std::string& at, const char* what) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  throw Error(StatusCode::kInvalidArgument, at + ": \"" + what + "\" must be a string or an integer");
}

std::vector<std::string> stringList(const json& v, const std::string& at, const char* what) {
  std::vector<std::string> out;
  if (v.is_string()) {  // a single answer given as a string
    out.push_back(v.get<std::string>());
    return out;
  }
  if (!v.is_array()) throw Error(StatusCode::kInvalidArgument, at + ": \"" + what + "\" must be a list of strings");
  for (const auto& e : v) {
    if (e.is_string()) {
      out.push_back(e.get<std::string>());
    } else if (e.is_number_integer()) {
      out.push_back(std::to_string(e.get<int64_t>()));
    } else {
      throw Error(StatusCode::kInvalidArgument, at + ": \"" + what + "\" must be a list of strings");
    }
  }
  return out;
}

json parseLine(const std::string& line, const std::string& at) {
  json j;
  try {
    j = json::parse(line);
  } catch (const json::exception& e) {
    throw Error(StatusCode::kInvalidArgument, at + ": not a JSON object: " + e.what());
  }
  if (!j.is_object()) throw Error(StatusCode::kInvalidArgument, at + ": not a JSON object");
  return j;
}

void writeLines(const std::string& path, const std::vector<json>& rows) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw Error(StatusCode::kNotFound, path + ": cannot create");
  for (const auto& r : rows) out << r.dump() << '\n';
  out.flush();
  if (!out) throw Error(StatusCode::kDataLoss, path + ": write failed");
}

}  // namespace

std::string_view CorpusDoc::titleLine() const {
  const std::string_view c = contents;
  return c.substr(0, c.find('\n'));
}

std::string_view CorpusDoc::text() const {
  const std::string_view c = contents;
  const std::size_t nl = c.find('\n');
  return nl == std::string_view::npos ? std::string_view{} : c.substr(nl + 1);
}

std::string makeContents(std::string_view title, std::string_view text) {
  std::string s;
  s.reserve(title.size() + text.size() + 3);
  s += '"';
  s += title;
  s += "\"\n";
  s += text;
  return s;
}

std::vector<CorpusDoc> loadCorpus(const std::string& path) {
  std::ifstream in = openInput(path);
  std::vector<CorpusDoc> docs;
  std::string line;
  for (int64_t n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;  // blank lines, e.g. a trailing one
    const std::string at = where(path, n);
    const json j = parseLine(line, at);
    CorpusDoc d;
    const auto contents = j.find("contents");
    if (contents != j.end() && contents->is_string()) {
      d.contents = contents->get<std::string>();
    } else if (j.contains("title") && j.contains("text") && j["title"].is_string() && j["text"].is_string()) {
      // pyserini's raw rows and some dumps split the passage; join them as Search-R1's corpus does.
      d.contents = makeContents(j["title"].get<std::string>(), j["text"].get<std::string>());
    } else {
      throw Error(StatusCode::kInvalidArgument, at + ": no string \"contents\" (nor \"title\" and \"text\")");
    }
    d.id = j.contains("id") ? idText(j["id"], at, "id") : std::to_string(docs.size());
    docs.push_back(std::move(d));
  }
  return docs;
}

void writeCorpus(const std::vector<CorpusDoc>& docs, const std::string& path) {
  std::vector<json> rows;
  rows.reserve(docs.size());
  for (const auto& d : docs) rows.push_back(json{{"id", d.id}, {"contents", d.contents}});
  writeLines(path, rows);
}

std::vector<SearchQuestion> loadQuestions(const std::string& path) {
  std::ifstream in = openInput(path);
  std::vector<SearchQuestion> out;
  std::string line;
  for (int64_t n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string at = where(path, n);
    const json j = parseLine(line, at);
    SearchQuestion q;
    q.id = j.contains("id") ? idText(j["id"], at, "id") : std::to_string(out.size());
    const auto question = j.find("question");
    if (question == j.end() || !question->is_string() || question->get<std::string>().empty())
      throw Error(StatusCode::kInvalidArgument, at + ": no \"question\" string");
    q.question = question->get<std::string>();
    if (j.contains("golden_answers")) {
      q.golden_answers = stringList(j["golden_answers"], at, "golden_answers");
    } else if (j.contains("reward_model") && j["reward_model"].is_object() && j["reward_model"].contains("ground_truth") &&
               j["reward_model"]["ground_truth"].is_object() && j["reward_model"]["ground_truth"].contains("target")) {
      q.golden_answers = stringList(j["reward_model"]["ground_truth"]["target"], at, "reward_model.ground_truth.target");
    }
    if (q.golden_answers.empty())
      throw Error(StatusCode::kInvalidArgument, at + ": no \"golden_answers\" (a non-empty list of strings)");
    if (j.contains("evidence")) q.evidence = stringList(j["evidence"], at, "evidence");
    if (j.contains("hops")) {
      if (!j["hops"].is_number_integer()) throw Error(StatusCode::kInvalidArgument, at + ": \"hops\" must be an integer");
      q.hops = j["hops"].get<int64_t>();
    }
    if (j.contains("type")) {
      if (!j["type"].is_string()) throw Error(StatusCode::kInvalidArgument, at + ": \"type\" must be a string");
      q.type = j["type"].get<std::string>();
    }
    out.push_back(std::move(q));
  }
  return out;
}

void writeQuestions(const std::vector<SearchQuestion>& questions, const std::string& path) {
  std::vector<json> rows;
  rows.reserve(questions.size());
  for (const auto& q : questions) {
    json r = {{"id", q.id}, {"question", q.question}, {"golden_answers", q.golden_answers}};
    if (!q.evidence.empty()) r["evidence"] = q.evidence;
    if (q.hops > 0) r["hops"] = q.hops;
    if (!q.type.empty()) r["type"] = q.type;
    rows.push_back(std::move(r));
  }
  writeLines(path, rows);
}

}  // namespace spur::search
