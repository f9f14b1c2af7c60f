#include "envs/alfworld/pddl.h"

#include <cctype>

#include "core/status.h"

namespace spur::alfworld {
namespace {

// An S-expression: an atom (token) or a list, with the line it starts on.
struct SExpr {
  std::string atom;  // empty for a list
  std::vector<SExpr> list;
  bool is_list = false;
  int line = 0;
};

[[noreturn]] void fail(const std::string& source, int line, const std::string& what) {
  throw Error(StatusCode::kInvalidArgument, source + ":" + std::to_string(line) + ": " + what);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Lists nested deeper than this are refused. Everything after the reader (formula, effect,
// show, grounding's compile, even ~SExpr) recurses once per level, so this one bound keeps
// the stack bounded for any input; alfred.pddl nests 10 deep.
constexpr std::size_t kMaxNesting = 100;
// Variables of one parameter or quantifier list: grounding binds them one recursion level
// each (alfred's actions have at most 6).
constexpr std::size_t kMaxVariables = 32;

// Reads the whole text as one S-expression. Comments run from ';' to the end of the line;
// tokens end at whitespace or a parenthesis (so "location," is one token, as in Fast
// Downward's lexer). Everything is lowercased, as Fast Downward does.
SExpr readSExpr(std::string_view text, const std::string& source) {
  std::vector<SExpr> stack;
  std::vector<SExpr> top;
  int line = 1;
  std::size_t i = 0;
  auto push = [&](SExpr e) {
    if (stack.empty()) top.push_back(std::move(e));
    else stack.back().list.push_back(std::move(e));
  };
  while (i < text.size()) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
      ++i;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == ';') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (c == '(') {
      if (stack.size() >= kMaxNesting) fail(source, line, "parentheses nested deeper than " + std::to_string(kMaxNesting) + " levels");
      SExpr e;
      e.is_list = true;
      e.line = line;
      stack.push_back(std::move(e));
      ++i;
    } else if (c == ')') {
      if (stack.empty()) fail(source, line, "unbalanced ')'");
      SExpr e = std::move(stack.back());
      stack.pop_back();
      push(std::move(e));
      ++i;
    } else {
      std::size_t j = i;
      while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j])) && text[j] != '(' && text[j] != ')' && text[j] != ';') ++j;
      SExpr e;
      e.atom = lower(std::string(text.substr(i, j - i)));
      e.line = line;
      push(std::move(e));
      i = j;
    }
  }
  if (!stack.empty()) fail(source, stack.back().line, "'(' opened here is never closed");
  if (top.size() != 1) fail(source, top.empty() ? line : top[1].line, top.empty() ? "empty PDDL text" : "text after the closing ')' of (define ...)");
  return std::move(top[0]);
}

std::string show(const SExpr& e) {
  if (!e.is_list) return e.atom;
  std::string s = "(";
  for (std::size_t i = 0; i < e.list.size() && i < 4; ++i) s += (i ? " " : "") + show(e.list[i]);
  if (e.list.size() > 4) s += " ...";
  return s + ")";
}

bool isAtom(const SExpr& e, std::string_view name) { return !e.is_list && e.atom == name; }
const std::string& head(const SExpr& e) {
  static const std::string kNone;
  return e.is_list && !e.list.empty() && !e.list[0].is_list ? e.list[0].atom : kNone;
}

class Parser {
 public:
  explicit Parser(std::string source) : source_(std::move(source)) {}

  // `a b - t c` from items [from, end) of a list.
  std::vector<TypedName> typedList(const SExpr& list, std::size_t from) const {
    std::vector<TypedName> out;
    std::vector<std::string> pending;
    for (std::size_t i = from; i < list.list.size(); ++i) {
      const SExpr& e = list.list[i];
      if (e.is_list) fail(source_, e.line, "expected a name in a typed list, got " + show(e));
      if (e.atom == "-") {
        if (i + 1 >= list.list.size() || list.list[i + 1].is_list) fail(source_, e.line, "'-' without a type name in " + show(list));
        if (pending.empty()) fail(source_, e.line, "type '" + list.list[i + 1].atom + "' given to no name in " + show(list));
        for (auto& n : pending) out.push_back({std::move(n), list.list[i + 1].atom});
        pending.clear();
        ++i;
      } else {
        pending.push_back(e.atom);
      }
    }
    for (auto& n : pending) out.push_back({std::move(n), "object"});
    return out;
  }

  std::vector<TypedName> variableList(const SExpr& e) const {
    if (!e.is_list) fail(source_, e.line, "expected a parameter list, got " + show(e));
    auto vars = typedList(e, 0);
    if (vars.size() > kMaxVariables)
      fail(source_, e.line, "a list of " + std::to_string(vars.size()) + " variables: more than " + std::to_string(kMaxVariables) + " variables are not supported");
    for (auto& v : vars) {
      if (v.name.size() < 2 || v.name[0] != '?') fail(source_, e.line, "expected a variable (?name), got '" + v.name + "'");
      v.name.erase(0, 1);
    }
    return vars;
  }

  Term term(const SExpr& e) const {
    if (e.is_list) fail(source_, e.line, "expected a variable or an object, got " + show(e) + " (functions are not supported)");
    if (e.atom[0] == '?') return {e.atom.substr(1), true};
    return {e.atom, false};
  }

  Formula formula(const SExpr& e) const {
    Formula f;
    f.line = e.line;
    if (!e.is_list) fail(source_, e.line, "expected a condition, got '" + e.atom + "'");
    if (e.list.empty()) return f;  // () = true (alfred's inventory and help)
    const std::string& h = head(e);
    if (h.empty()) fail(source_, e.line, "expected a condition, got " + show(e));
    if (h == "and" || h == "or") {
      f.kind = h == "and" ? Formula::Kind::kAnd : Formula::Kind::kOr;
      for (std::size_t i = 1; i < e.list.size(); ++i) f.children.push_back(formula(e.list[i]));
    } else if (h == "not") {
      if (e.list.size() != 2) fail(source_, e.line, "(not ...) takes one condition: " + show(e));
      f.kind = Formula::Kind::kNot;
      f.children.push_back(formula(e.list[1]));
    } else if (h == "imply") {
      if (e.list.size() != 3) fail(source_, e.line, "(imply ...) takes two conditions: " + show(e));
      f.kind = Formula::Kind::kImply;
      f.children = {formula(e.list[1]), formula(e.list[2])};
    } else if (h == "exists" || h == "forall") {
      if (e.list.size() != 3) fail(source_, e.line, "(" + h + " (vars) condition) expected: " + show(e));
      f.kind = h == "exists" ? Formula::Kind::kExists : Formula::Kind::kForall;
      f.variables = variableList(e.list[1]);
      f.children.push_back(formula(e.list[2]));
    } else if (h == "=") {
      if (e.list.size() != 3) fail(source_, e.line, "(= a b) takes two terms: " + show(e));
      f.kind = Formula::Kind::kEquals;
      f.terms = {term(e.list[1]), term(e.list[2])};
    } else if (h == "when" || h == "increase" || h == "decrease" || h == "assign" || h == "either" || h == "at" || h == "preference") {
      fail(source_, e.line, "unsupported PDDL construct in a condition: " + show(e));
    } else {
      f.kind = Formula::Kind::kAtom;
      f.predicate = h;
      for (std::size_t i = 1; i < e.list.size(); ++i) f.terms.push_back(term(e.list[i]));
    }
    return f;
  }

  // Flattens an effect into `out` under the enclosing forall variables and when condition.
  void effect(const SExpr& e, const std::vector<TypedName>& vars, const Formula& cond, std::vector<Effect>& out) const {
    if (!e.is_list) fail(source_, e.line, "expected an effect, got '" + e.atom + "'");
    if (e.list.empty()) return;
    const std::string& h = head(e);
    if (h.empty()) fail(source_, e.line, "expected an effect, got " + show(e));
    if (h == "and") {
      for (std::size_t i = 1; i < e.list.size(); ++i) effect(e.list[i], vars, cond, out);
    } else if (h == "forall") {
      if (e.list.size() != 3) fail(source_, e.line, "(forall (vars) effect) expected: " + show(e));
      auto inner = vars;
      for (auto& v : variableList(e.list[1])) inner.push_back(std::move(v));
      effect(e.list[2], inner, cond, out);
    } else if (h == "when") {
      if (e.list.size() != 3) fail(source_, e.line, "(when condition effect) expected: " + show(e));
      Formula c = formula(e.list[1]);
      Formula both;
      both.line = e.line;
      if (cond.kind == Formula::Kind::kTrue) {
        both = std::move(c);
      } else {
        both.kind = Formula::Kind::kAnd;
        both.children = {cond, std::move(c)};
      }
      effect(e.list[2], vars, both, out);
    } else if (h == "increase" || h == "decrease") {
      // Action costs: only a planner reads them.
      if (e.list.size() != 3 || !e.list[1].is_list || head(e.list[1]) != "total-cost")
        fail(source_, e.line, "only (increase (total-cost) n) is supported, got " + show(e));
    } else if (h == "not") {
      if (e.list.size() != 2 || head(e.list[1]).empty()) fail(source_, e.line, "(not (atom)) expected in an effect: " + show(e));
      out.push_back(literal(e.list[1], vars, cond, false));
    } else if (h == "assign" || h == "scale-up" || h == "scale-down" || h == "or" || h == "exists" || h == "imply" || h == "=") {
      fail(source_, e.line, "unsupported PDDL construct in an effect: " + show(e));
    } else {
      out.push_back(literal(e, vars, cond, true));
    }
  }

  Effect literal(const SExpr& e, const std::vector<TypedName>& vars, const Formula& cond, bool add) const {
    Effect eff;
    eff.variables = vars;
    eff.condition = cond;
    eff.add = add;
    eff.line = e.line;
    eff.predicate = head(e);
    for (std::size_t i = 1; i < e.list.size(); ++i) eff.terms.push_back(term(e.list[i]));
    return eff;
  }

  const std::string& source() const { return source_; }

 private:
  std::string source_;
};

const SExpr& defineBody(const SExpr& root, const std::string& source, std::string_view kind, std::string& name) {
  if (head(root) != "define") fail(source, root.line, "expected (define (" + std::string(kind) + " name) ...), got " + show(root));
  if (root.list.size() < 2 || head(root.list[1]) != kind || root.list[1].list.size() != 2 || root.list[1].list[1].is_list)
    fail(source, root.line, "expected (define (" + std::string(kind) + " name) ...)");
  name = root.list[1].list[1].atom;
  return root;
}

}  // namespace

bool Domain::isA(const std::string& type, const std::string& ancestor) const {
  if (ancestor == "object") return true;
  std::string t = type;
  for (int guard = 0; guard < 64; ++guard) {
    if (t == ancestor) return true;
    auto it = parent_of.find(t);
    if (it == parent_of.end()) return false;
    t = it->second;
  }
  return false;
}

Domain parseDomain(std::string_view text, const std::string& source) {
  const SExpr root = readSExpr(text, source);
  Parser p(source);
  Domain d;
  defineBody(root, source, "domain", d.name);
  for (std::size_t i = 2; i < root.list.size(); ++i) {
    const SExpr& section = root.list[i];
    const std::string& h = head(section);
    if (h == ":requirements" || h == ":functions") continue;
    if (h == ":types") {
      for (auto& t : p.typedList(section, 1)) {
        if (t.name == "object") continue;  // the root, whatever the file says
        d.parent_of[t.name] = t.type;
      }
    } else if (h == ":constants") {
      d.constants = p.typedList(section, 1);
    } else if (h == ":predicates") {
      for (std::size_t k = 1; k < section.list.size(); ++k) {
        const SExpr& pred = section.list[k];
        if (head(pred).empty()) fail(source, pred.line, "expected (predicate ?x - type ...), got " + show(pred));
        std::vector<std::string> types;
        for (auto& v : p.typedList(pred, 1)) types.push_back(v.type);
        d.predicates[head(pred)] = std::move(types);
      }
    } else if (h == ":action") {
      if (section.list.size() < 2 || section.list[1].is_list) fail(source, section.line, "(:action name ...) without a name");
      ActionSchema a;
      a.name = section.list[1].atom;
      for (std::size_t k = 2; k < section.list.size(); k += 2) {
        if (k + 1 >= section.list.size()) fail(source, section.list[k].line, "action " + a.name + ": '" + show(section.list[k]) + "' has no value");
        const SExpr& key = section.list[k];
        const SExpr& value = section.list[k + 1];
        if (isAtom(key, ":parameters")) a.parameters = p.variableList(value);
        else if (isAtom(key, ":precondition")) a.precondition = p.formula(value);
        else if (isAtom(key, ":effect")) p.effect(value, {}, Formula{}, a.effects);
        else fail(source, key.line, "action " + a.name + ": unsupported key " + show(key));
      }
      d.actions.push_back(std::move(a));
    } else {
      fail(source, section.line, "unsupported domain section " + show(section));
    }
  }
  for (const auto& a : d.actions)
    for (const auto& e : a.effects)
      if (!d.predicates.count(e.predicate))
        fail(source, e.line, "action " + a.name + ": effect on undeclared predicate '" + e.predicate + "'");
  return d;
}

Problem parseProblem(std::string_view text, const std::string& source) {
  const SExpr root = readSExpr(text, source);
  Parser p(source);
  Problem pr;
  defineBody(root, source, "problem", pr.name);
  bool has_goal = false;
  for (std::size_t i = 2; i < root.list.size(); ++i) {
    const SExpr& section = root.list[i];
    const std::string& h = head(section);
    if (h == ":domain") {
      if (section.list.size() != 2 || section.list[1].is_list) fail(source, section.line, "expected (:domain name)");
      pr.domain_name = section.list[1].atom;
    } else if (h == ":objects") {
      pr.objects = p.typedList(section, 1);
    } else if (h == ":init") {
      for (std::size_t k = 1; k < section.list.size(); ++k) {
        const SExpr& a = section.list[k];
        const std::string& name = head(a);
        if (name.empty()) fail(source, a.line, "expected a ground atom in :init, got " + show(a));
        if (name == "=") continue;  // numeric fluents (total-cost, distance): planner only
        if (name == "not") fail(source, a.line, "negative literals are not allowed in :init: " + show(a));
        GroundAtom g;
        g.predicate = name;
        for (std::size_t j = 1; j < a.list.size(); ++j) {
          if (a.list[j].is_list || a.list[j].atom[0] == '?') fail(source, a.line, "expected a ground atom in :init, got " + show(a));
          g.args.push_back(a.list[j].atom);
        }
        pr.init.push_back(std::move(g));
      }
    } else if (h == ":goal") {
      if (section.list.size() != 2) fail(source, section.line, "expected (:goal condition)");
      pr.goal = p.formula(section.list[1]);
      has_goal = true;
    } else if (h == ":metric" || h == ":requirements") {
      continue;
    } else {
      fail(source, section.line, "unsupported problem section " + show(section));
    }
  }
  if (!has_goal) fail(source, root.line, "problem " + pr.name + " has no (:goal ...)");
  return pr;
}

}  // namespace spur::alfworld
