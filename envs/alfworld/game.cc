#include "envs/alfworld/game.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace spur::alfworld {
namespace {

std::string replaceAll(const std::string& s, std::string_view from, std::string_view to) {
  std::string out;
  std::size_t p = 0;
  for (std::size_t hit = s.find(from); hit != std::string::npos; hit = s.find(from, p)) {
    out.append(s, p, hit - p).append(to);
    p = hit + from.size();
  }
  return out.append(s, p, std::string::npos);
}

// alfworld's Demangler: numbers per display name, assigned over the sorted ids with pop(),
// so that the first id in sort order gets the highest number.
std::vector<std::string> alfredNames(const std::vector<std::string>& sorted_ids) {
  auto baseName = [](const std::string& id, bool& numbered) {
    const std::size_t bar = id.find("_bar_");
    numbered = bar != std::string::npos;
    std::string name = numbered ? id.substr(0, bar) : id;
    if (numbered && id.find("basin") != std::string::npos) name += "basin";
    return name;
  };
  std::map<std::string, int> count;
  for (const auto& id : sorted_ids) {
    bool numbered = false;
    const std::string name = baseName(id, numbered);
    if (numbered) ++count[name];
  }
  std::vector<std::string> out;
  out.reserve(sorted_ids.size());
  for (const auto& id : sorted_ids) {
    bool numbered = false;
    std::string name = baseName(id, numbered);
    if (!numbered) {
      // Unnumbered: the demangled id itself and an empty number ("desk ").
      std::string text = replaceAll(replaceAll(replaceAll(replaceAll(replaceAll(id, "_bar_", "|"), "_minus_", "-"), "_plus_", "+"), "_dot_", "."), "_comma_", ",");
      out.push_back(text + " ");
    } else {
      out.push_back(name + " " + std::to_string(count[name]--));
    }
  }
  return out;
}

std::string stripPython(std::string_view s) {
  // Python's str.strip(): ASCII whitespace and the other Unicode whitespace we may meet in
  // ASCII/Latin-1 text (\x1c-\x1f count as whitespace for str.strip()).
  auto ws = [](unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f); };
  std::size_t b = 0, e = s.size();
  while (b < e && ws(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && ws(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

}  // namespace

std::shared_ptr<const GameDefinition> GameDefinition::load(const std::string& path, NameStyle names) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(StatusCode::kNotFound, path + ": cannot read the game file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(buffer.str());
  } catch (const nlohmann::json::exception& e) {
    throw Error(StatusCode::kInvalidArgument, path + ": not a JSON game file: " + e.what());
  }
  if (!j.is_object()) throw Error(StatusCode::kInvalidArgument, path + ": not a JSON object");
  auto field = [&](const char* key) {
    if (!j.contains(key) || !j[key].is_string())
      throw Error(StatusCode::kInvalidArgument, path + ": missing string field \"" + key + "\" (a game.tw-pddl has pddl_domain, grammar, pddl_problem)");
    return j[key].get<std::string>();
  };
  auto game = std::make_shared<GameDefinition>(field("pddl_domain"), field("grammar"), field("pddl_problem"), path, names);
  if (j.contains("walkthrough") && j["walkthrough"].is_array())
    for (const auto& c : j["walkthrough"])
      if (c.is_string()) game->walkthrough_.push_back(c.get<std::string>());
  game->solvable_ = j.contains("solvable") && j["solvable"].is_boolean() && j["solvable"].get<bool>();
  return game;
}

GameDefinition::GameDefinition(std::string_view domain_text, std::string_view grammar_text, std::string_view problem_text, const std::string& source,
                               NameStyle names)
    : source_(source) {
  const Domain domain = parseDomain(domain_text, source + ": pddl_domain");
  const Problem problem = parseProblem(problem_text, source + ": pddl_problem");
  task_ = std::make_unique<GroundTask>(domain, problem, source);
  grammar_ = TextGrammar::parse(grammar_text, source + ": grammar");

  // Entities: the objects that appear in a fact of the initial state (TextWorld's
  // _get_entity_infos); the rest keep their id as name (they never reach a text).
  const GroundTask& t = *task_;
  std::vector<uint8_t> in_fact(static_cast<std::size_t>(t.objectCount()), 0);
  for (int a = 0; a < t.atomCount(); ++a)
    if (t.initialTruth()[a])
      for (int o : t.atomArgs(a)) in_fact[static_cast<std::size_t>(o)] = 1;
  entities_.resize(static_cast<std::size_t>(t.objectCount()));
  std::vector<int> ids;
  for (int o = 0; o < t.objectCount(); ++o) {
    entities_[o] = {t.objectName(o), t.objectName(o), t.objectType(o)};
    if (in_fact[o]) ids.push_back(o);
  }
  if (names == NameStyle::kAlfred) {
    std::sort(ids.begin(), ids.end(), [&](int x, int y) { return t.objectName(x) < t.objectName(y); });
    std::vector<std::string> sorted;
    for (int o : ids) sorted.push_back(t.objectName(o));
    const auto display = alfredNames(sorted);
    for (std::size_t k = 0; k < ids.size(); ++k) entities_[ids[k]].name = display[k];
  }

  intro_ = grammar_.compile("#intro#", "reset text");
  const std::size_t n = t.operators().size();
  op_bindings_.resize(n);
  op_text_.resize(n);
  cached_command_.resize(n);
  command_cached_.assign(n, 0);
  std::vector<int> template_reads(domain.actions.size(), -1);
  const std::vector<uint8_t> no_deletes(static_cast<std::size_t>(t.atomCount()), 0);
  const TextState initial{task_.get(), &t.initialTruth(), &no_deletes, &entities_};
  for (std::size_t i = 0; i < n; ++i) {
    const GroundOperator& op = t.operators()[i];
    const ActionSchema& schema = t.domain().actions[static_cast<std::size_t>(op.action)];
    const TextGrammar::ActionText* text = grammar_.action(schema.name);
    if (!text) throw Error(StatusCode::kInvalidArgument, source + ": grammar has no 'action' block for PDDL action '" + schema.name + "'");
    op_text_[i] = text;
    for (std::size_t k = 0; k < schema.parameters.size(); ++k)
      op_bindings_[i].values.push_back({{schema.parameters[k].name, schema.parameters[k].type}, op.args[k]});
    int& reads = template_reads[static_cast<std::size_t>(op.action)];
    if (reads < 0) reads = grammar_.readsFluents(text->template_symbols, t) ? 1 : 0;
    if (reads == 0) {
      cached_command_[i] = grammar_.derive(text->template_symbols, initial, op_bindings_[i]);
      command_cached_[i] = 1;
    }
  }
  // The task text for policies and the annotator: "#task#" without TextWorld's lead-in.
  try {
    std::string task = grammar_.derive(grammar_.compile("#task#", "task text"), initial, {});
    for (std::string_view lead : {"Your task is to: ", "Your task is to "})
      if (task.rfind(lead, 0) == 0) task.erase(0, lead.size());
    if (!task.empty() && task.back() == '.') task.pop_back();
    task_text_ = task;
  } catch (const Error&) {
    task_text_.clear();  // a grammar without a #task# rule: no task text
  }
}

std::string GameDefinition::command(int op, const TextState& state) const {
  const auto i = static_cast<std::size_t>(op);
  if (command_cached_[i]) return cached_command_[i];
  return grammar_.derive(op_text_[i]->template_symbols, state, op_bindings_[i]);
}

std::string GameDefinition::feedback(int op, const TextState& state) const {
  const auto i = static_cast<std::size_t>(op);
  return grammar_.derive(op_text_[i]->feedback_symbols, state, op_bindings_[i]);
}

GameSession::GameSession(std::shared_ptr<const GameDefinition> game) : game_(std::move(game)) {}

const std::string& GameSession::reset() {
  truth_ = game_->task().initialTruth();
  deleted_.assign(truth_.size(), 0);
  moves_ = 0;
  feedback_ = game_->grammar().derive(game_->intro(), textState(), {});
  refresh();
  return feedback_;
}

const std::string& GameSession::step(std::string_view raw, bool* valid) {
  const std::string command = stripPython(raw);
  auto it = std::lower_bound(commands_.begin(), commands_.end(), command, [](const auto& entry, const std::string& c) { return entry.first < c; });
  const bool ok = it != commands_.end() && it->first == command;
  if (valid) *valid = ok;
  if (!ok) {
    feedback_ = "Nothing happens.";
    return feedback_;
  }
  const int op = it->second;
  game_->task().apply(op, truth_, deleted_);
  feedback_ = game_->feedback(op, textState());
  ++moves_;
  refresh();
  return feedback_;
}

void GameSession::refresh() {
  const GroundTask& t = game_->task();
  t.applicable(truth_, applicable_);
  commands_.clear();
  const TextState state = textState();
  for (int op : applicable_) commands_.push_back({game_->command(op, state), op});
  // sorted(set(...)); for equal texts TextWorld plays the first operator that renders it.
  std::stable_sort(commands_.begin(), commands_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  commands_.erase(std::unique(commands_.begin(), commands_.end(), [](const auto& a, const auto& b) { return a.first == b.first; }), commands_.end());
  admissible_.clear();
  for (const auto& c : commands_) admissible_.push_back(c.first);
  won_ = t.goal().holds(truth_);
}

}  // namespace spur::alfworld
