#include "envs/alfworld/text_grammar.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <set>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace spur::alfworld {

struct TextGrammar::Rule {
  std::optional<Query> condition;
  Symbols rhs;
};

namespace {

[[noreturn]] void fail(const std::string& where, const std::string& what) { throw Error(StatusCode::kInvalidArgument, where + ": " + what); }

// Nested #rule# expansions allowed in one derivation (alfred's grammar needs a handful); a rule
// that keeps expanding itself through a query (which load cannot refuse: see
// checkSelfExpansion) stops here with an Error instead of overflowing the stack.
constexpr std::size_t kMaxExpansionDepth = 64;

// The rules a text expands with the bindings it was given, whatever the state: bare #rule#s,
// and those inside {...} and [{...}] without a query (a query's matches extend the bindings).
void sameBindingRules(const Symbols& symbols, std::set<std::string>& out) {
  for (const Symbol& s : symbols) {
    if (s.kind == Symbol::Kind::kNonterminal) out.insert(s.text);
    else if (s.kind == Symbol::Kind::kConditional && !s.given) sameBindingRules(Symbols{*s.inner}, out);
    else if (s.kind == Symbol::Kind::kList && !s.inner->given) sameBindingRules(Symbols{*s.inner->inner}, out);
  }
}

bool isWord(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// A piece of input quoted in an error: whole when short, else its start (input can be huge).
std::string clip(std::string_view text) { return text.size() <= 120 ? std::string(text) : std::string(text.substr(0, 120)) + "..."; }

// ---- expressions ----------------------------------------------------------------------

class ExpressionParser {
 public:
  ExpressionParser(std::string_view text, std::string where) : s_(text), where_(std::move(where)) {}

  Expression parse() {
    Expression e = orExpr();
    skip();
    if (i_ != s_.size()) fail(where_, "unsupported expression '" + std::string(s_) + "' (at '" + std::string(s_.substr(i_)) + "')");
    return e;
  }

 private:
  void skip() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  bool keyword(std::string_view k) {
    skip();
    if (s_.substr(i_, k.size()) == k && (i_ + k.size() == s_.size() || !isWord(s_[i_ + k.size()]))) {
      i_ += k.size();
      return true;
    }
    return false;
  }
  std::string word() {
    skip();
    const std::size_t start = i_;
    while (i_ < s_.size() && isWord(s_[i_])) ++i_;
    if (start == i_) fail(where_, "unsupported expression '" + std::string(s_) + "': expected a name at '" + std::string(s_.substr(start)) + "'");
    return std::string(s_.substr(start, i_ - start));
  }
  Expression orExpr() {
    Expression first = concat();
    if (!keyword("or")) return first;
    Expression e;
    e.kind = Expression::Kind::kOr;
    e.children.push_back(std::move(first));
    do e.children.push_back(concat());
    while (keyword("or"));
    return e;
  }
  Expression concat() {
    Expression first = primary();
    skip();
    if (i_ >= s_.size() || s_[i_] != '+') return first;
    Expression e;
    e.kind = Expression::Kind::kConcat;
    e.children.push_back(std::move(first));
    while (true) {
      skip();
      if (i_ >= s_.size() || s_[i_] != '+') break;
      ++i_;
      e.children.push_back(primary());
    }
    return e;
  }
  Expression primary() {
    skip();
    if (i_ >= s_.size()) fail(where_, "expression '" + std::string(s_) + "' ends early");
    Expression e;
    const char c = s_[i_];
    if (c == '\'' || c == '"') {
      ++i_;
      e.kind = Expression::Kind::kString;
      while (i_ < s_.size() && s_[i_] != c) {
        if (s_[i_] == '\\' && i_ + 1 < s_.size()) {
          const char n = s_[++i_];
          e.literal += n == 'n' ? '\n' : n == 't' ? '\t' : n;
        } else {
          e.literal += s_[i_];
        }
        ++i_;
      }
      if (i_ >= s_.size()) fail(where_, "unterminated string in expression '" + std::string(s_) + "'");
      ++i_;
      return e;
    }
    if (c == '(') {
      // Parentheses are the one recursion of this parser (and of evaluate): bounded.
      if (++depth_ > kMaxExpressionDepth)
        fail(where_, "expression nested deeper than " + std::to_string(kMaxExpressionDepth) + " parentheses: '" + clip(s_) + "'");
      ++i_;
      e = orExpr();
      --depth_;
      skip();
      if (i_ >= s_.size() || s_[i_] != ')') fail(where_, "missing ')' in expression '" + std::string(s_) + "'");
      ++i_;
      return e;
    }
    e.kind = Expression::Kind::kName;
    e.name = word();
    skip();
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      e.kind = Expression::Kind::kAttribute;
      e.attribute = word();
      static const char* kAttributes[] = {"name", "id", "indefinite", "definite", "type"};
      bool known = false;
      for (const char* a : kAttributes) known = known || e.attribute == a;
      if (!known) fail(where_, "unsupported attribute '" + e.name + "." + e.attribute + "' in '" + std::string(s_) + "' (supported: name, id, indefinite, definite, type)");
    }
    return e;
  }

  static constexpr int kMaxExpressionDepth = 32;
  std::string_view s_;
  std::string where_;
  std::size_t i_ = 0;
  int depth_ = 0;
};

std::string evaluate(const Expression& e, const TextState& state, const Bindings& b, const std::string& source) {
  switch (e.kind) {
    case Expression::Kind::kString: return e.literal;
    case Expression::Kind::kName:
    case Expression::Kind::kAttribute: {
      const int object = b.findName(e.name);
      if (object < 0) fail(source, "text grammar: name '" + e.name + "' is not bound here");
      const EntityInfo& info = (*state.entities)[static_cast<std::size_t>(object)];
      if (e.kind == Expression::Kind::kName || e.attribute == "name") return info.name;
      if (e.attribute == "id") return info.id;
      if (e.attribute == "indefinite") return "a";
      if (e.attribute == "definite") return "the";
      return info.type;
    }
    case Expression::Kind::kConcat: {
      std::string s;
      for (const auto& c : e.children) s += evaluate(c, state, b, source);
      return s;
    }
    case Expression::Kind::kOr: {
      std::string s;
      for (const auto& c : e.children) {
        s = evaluate(c, state, b, source);
        if (!s.empty()) return s;
      }
      return s;
    }
  }
  return {};
}

// ---- queries --------------------------------------------------------------------------

// Predicates of one query: matching takes one recursion level per predicate (alfred's
// grammar uses at most 4).
constexpr std::size_t kMaxQueryAtoms = 32;

Query parseQuery(std::string_view text, const std::string& where) {
  Query q;
  std::size_t i = 0;
  auto skip = [&] {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  };
  auto token = [&](auto pred) {
    skip();
    const std::size_t start = i;
    while (i < text.size() && pred(text[i])) ++i;
    return std::string(text.substr(start, i - start));
  };
  auto expect = [&](char c) {
    skip();
    if (i >= text.size() || text[i] != c) fail(where, "malformed query '" + std::string(text) + "': expected '" + std::string(1, c) + "'");
    ++i;
  };
  while (true) {
    QueryAtom atom;
    std::string name = token([](char c) { return isWord(c) || c == '/' || c == '!'; });
    if (name.empty()) fail(where, "malformed query '" + std::string(text) + "': expected a predicate");
    if (name.rfind("not_", 0) == 0) {
      atom.deleted_form = true;
      name.erase(0, 4);
    }
    atom.predicate = name;
    expect('(');
    skip();
    if (i < text.size() && text[i] != ')') {
      while (true) {
        Placeholder p;
        p.name = token([](char c) { return isWord(c) || c == '\''; });
        expect(':');
        p.type = token([](char c) { return isWord(c) || c == '/' || c == '-'; });
        if (p.name.empty() || p.type.empty()) fail(where, "malformed query '" + std::string(text) + "': expected name:type");
        atom.params.push_back(std::move(p));
        skip();
        if (i < text.size() && text[i] == ',') {
          ++i;
          continue;
        }
        break;
      }
    }
    expect(')');
    q.push_back(std::move(atom));
    if (q.size() > kMaxQueryAtoms) fail(where, "a query of more than " + std::to_string(kMaxQueryAtoms) + " predicates is not supported");
    skip();
    if (i == text.size()) break;
    expect('&');
  }
  return q;
}

// ---- symbols (TatSu's CSG grammar of textworld/envs/pddl/textgen/textgen.ebnf) --------

class SymbolParser {
 public:
  SymbolParser(std::string_view text, std::string where) : s_(text), where_(std::move(where)) {}

  Symbols parse() {
    Symbols out;
    while (true) {
      skipBeforeToken();
      if (i_ >= s_.size()) break;
      auto sym = symbol();
      if (!sym) break;  // TatSu stops at the first character no symbol starts with
      out.push_back(std::move(*sym));
    }
    return out;
  }

 private:
  // TatSu skips whitespace (tabs) and comments before each token; the comment pattern
  // ^(//.*|\s*)\n? only matches at a line start, which in practice is the text's start.
  void skipBeforeToken() {
    while (true) {
      const std::size_t before = i_;
      while (i_ < s_.size() && s_[i_] == '\t') ++i_;
      if (i_ == 0 || (i_ <= s_.size() && i_ > 0 && s_[i_ - 1] == '\n')) {
        if (s_.substr(i_, 2) == "//") {
          while (i_ < s_.size() && s_[i_] != '\n') ++i_;
        } else {
          while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
        }
        if (i_ < s_.size() && s_[i_] == '\n') ++i_;
      }
      if (i_ == before) return;
    }
  }

  static bool literalChar(char c) { return std::string_view(";|\"<>[]#{}").find(c) == std::string_view::npos; }
  static bool tagChar(char c) { return isWord(c) || std::string_view("()/!<>-,. \t\n\r\f\v").find(c) != std::string_view::npos; }

  std::optional<Symbol> nonterminal() {
    if (i_ >= s_.size() || s_[i_] != '#') return std::nullopt;
    std::size_t j = i_ + 1;
    while (j < s_.size() && tagChar(s_[j])) ++j;
    if (j == i_ + 1 || j >= s_.size() || s_[j] != '#') return std::nullopt;
    Symbol sym;
    sym.kind = Symbol::Kind::kNonterminal;
    sym.text = std::string(s_.substr(i_ + 1, j - i_ - 1));
    i_ = j + 1;
    return sym;
  }

  std::optional<Symbol> conditional() {
    if (i_ >= s_.size() || s_[i_] != '{') return std::nullopt;
    const std::size_t start = i_;
    ++i_;
    skipBeforeToken();
    Symbol inner;
    if (auto nt = nonterminal()) {
      inner = std::move(*nt);
    } else {
      std::size_t j = i_;
      while (j < s_.size() && std::string_view("|[]{}\n<>").find(s_[j]) == std::string_view::npos) ++j;
      if (j == i_) {
        i_ = start;
        return std::nullopt;
      }
      inner.kind = Symbol::Kind::kEval;
      inner.text = std::string(s_.substr(i_, j - i_));
      inner.expression = ExpressionParser(inner.text, where_).parse();
      i_ = j;
    }
    Symbol sym;
    sym.kind = Symbol::Kind::kConditional;
    // Optional "\s*\|\s*" given.
    std::size_t j = i_;
    while (j < s_.size() && std::isspace(static_cast<unsigned char>(s_[j]))) ++j;
    if (j < s_.size() && s_[j] == '|') {
      ++j;
      while (j < s_.size() && std::isspace(static_cast<unsigned char>(s_[j]))) ++j;
      std::size_t k = j;
      while (k < s_.size() && std::string_view(";|{}\n[]#").find(s_[k]) == std::string_view::npos) ++k;
      if (k > j) {
        std::string given(s_.substr(j, k - j));
        sym.given = parseQuery(given, where_ + ": query '" + clip(given) + "'");
        i_ = k;
      }
    }
    skipBeforeToken();
    if (i_ >= s_.size() || s_[i_] != '}') {
      i_ = start;
      return std::nullopt;
    }
    ++i_;
    sym.text = std::string(s_.substr(start, i_ - start));
    sym.inner = std::make_shared<Symbol>(std::move(inner));
    return sym;
  }

  std::optional<Symbol> symbol() {
    const char c = s_[i_];
    if (c == '[') {
      const std::size_t start = i_;
      ++i_;
      skipBeforeToken();
      auto cond = conditional();
      skipBeforeToken();
      if (!cond || i_ >= s_.size() || s_[i_] != ']') {
        i_ = start;
        return std::nullopt;
      }
      ++i_;
      Symbol sym;
      sym.kind = Symbol::Kind::kList;
      sym.inner = std::make_shared<Symbol>(std::move(*cond));
      return sym;
    }
    if (c == '{') return conditional();
    if (c == '#') return nonterminal();
    Symbol sym;
    sym.kind = Symbol::Kind::kTerminal;
    if (c == '"') {
      std::size_t j = i_ + 1;
      while (j < s_.size() && literalChar(s_[j])) ++j;
      if (j >= s_.size() || s_[j] != '"') return std::nullopt;
      sym.text = std::string(s_.substr(i_ + 1, j - i_ - 1));
      i_ = j + 1;
    } else {
      std::size_t j = i_;
      while (j < s_.size() && literalChar(s_[j])) ++j;
      if (j == i_) return std::nullopt;
      sym.text = std::string(s_.substr(i_, j - i_));
      i_ = j;
    }
    // TextWorld's converter turns a literal backslash-n into a newline.
    if (sym.text.find("\\n") != std::string::npos) {
      std::string unescaped;
      for (std::size_t p = 0; p < sym.text.size(); ++p) {
        if (sym.text[p] == '\\' && p + 1 < sym.text.size() && sym.text[p + 1] == 'n') {
          unescaped += '\n';
          ++p;
        } else {
          unescaped += sym.text[p];
        }
      }
      sym.text = std::move(unescaped);
    }
    return sym;
  }

  std::string_view s_;
  std::string where_;
  std::size_t i_ = 0;
};

// ---- the .twl2 document -----------------------------------------------------------------

class DocumentParser {
 public:
  DocumentParser(std::string_view text, std::string source) : s_(text), source_(std::move(source)) {}

  void skip() {
    while (i_ < s_.size()) {
      if (std::isspace(static_cast<unsigned char>(s_[i_]))) {
        ++i_;
      } else if (s_[i_] == '#') {
        while (i_ < s_.size() && s_[i_] != '\n') ++i_;
      } else {
        break;
      }
    }
  }
  bool done() {
    skip();
    return i_ >= s_.size();
  }
  int line() const {
    int n = 1;
    for (std::size_t k = 0; k < i_ && k < s_.size(); ++k) n += s_[k] == '\n';
    return n;
  }
  [[noreturn]] void error(const std::string& what) const { fail(source_ + ":" + std::to_string(line()), what); }
  std::string name() {
    skip();
    const std::size_t start = i_;
    while (i_ < s_.size() && (isWord(s_[i_]) || s_[i_] == '/' || s_[i_] == '-')) ++i_;
    if (start == i_) error("expected a name");
    return std::string(s_.substr(start, i_ - start));
  }
  void expect(std::string_view t) {
    skip();
    if (s_.substr(i_, t.size()) != t) error("expected '" + std::string(t) + "'");
    i_ += t.size();
  }
  bool peek(std::string_view t) {
    skip();
    return s_.substr(i_, t.size()) == t;
  }
  std::string str() {
    skip();
    if (i_ >= s_.size() || s_[i_] != '"') error("expected a \"string\"");
    const std::size_t end = s_.find('"', i_ + 1);
    if (end == std::string_view::npos) error("unterminated string");
    std::string out(s_.substr(i_ + 1, end - i_ - 1));
    i_ = end + 1;
    return out;
  }
  std::string block() {
    skip();
    if (s_.substr(i_, 3) != "\"\"\"") error("expected a \"\"\"block\"\"\"");
    const std::size_t end = s_.find("\"\"\"", i_ + 3);
    if (end == std::string_view::npos) error("unterminated \"\"\" block");
    std::string out(s_.substr(i_ + 3, end - i_ - 3));
    i_ = end + 3;
    return out;
  }

 private:
  std::string_view s_;
  std::string source_;
  std::size_t i_ = 0;
};

}  // namespace

int Bindings::find(const Placeholder& p) const {
  for (auto it = values.rbegin(); it != values.rend(); ++it)
    if (it->first == p) return it->second;
  return -1;
}

int Bindings::findName(const std::string& name) const {
  for (auto it = values.rbegin(); it != values.rend(); ++it)
    if (it->first.name == name) return it->second;
  return -1;
}

TextGrammar::TextGrammar() = default;
TextGrammar::~TextGrammar() = default;
TextGrammar::TextGrammar(TextGrammar&&) noexcept = default;
TextGrammar& TextGrammar::operator=(TextGrammar&&) noexcept = default;

TextGrammar TextGrammar::parse(std::string_view document, const std::string& source) {
  TextGrammar g;
  g.source_ = source;
  DocumentParser p(document, source);
  nlohmann::json merged = nlohmann::json::object();
  auto mergeBlock = [&](const std::string& block, bool drop_hash_lines) {
    std::string text = block;
    if (drop_hash_lines) {
      // TextWorld drops an action grammar's lines that start with '#' before parsing JSON.
      std::string kept;
      std::size_t start = 0;
      while (start <= text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        std::string_view line(text.data() + start, end - start);
        const std::size_t first = line.find_first_not_of(" \t\r\f\v");
        if (first == std::string_view::npos || line[first] != '#') kept.append(line).append("\n");
        start = end + 1;
      }
      text = kept;
    }
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
      p.error(std::string("grammar block is not valid JSON: ") + e.what());
    }
    if (!j.is_object()) p.error("grammar block is not a JSON object");
    // Moved, not copied: copying a json value recurses once per nesting level of the input.
    for (auto& [k, v] : j.items()) merged[k] = std::move(v);
  };
  std::vector<std::pair<std::string, std::pair<std::string, std::string>>> actions;  // name, (template, feedback)
  while (!p.done()) {
    if (p.peek("action")) {
      p.expect("action");
      const std::string name = p.name();
      p.expect("{");
      std::string tmpl, feedback;
      bool has_template = false, has_feedback = false;
      while (!p.peek("}")) {
        if (p.done()) p.error("action " + name + ": missing '}'");
        const std::string key = p.name();
        p.expect("::");
        if (key == "template") {
          tmpl = p.str();
          has_template = true;
        } else if (key == "feedback") {
          feedback = p.str();
          has_feedback = true;
        } else if (key == "grammar") {
          mergeBlock(p.block(), true);
        } else if (key == "pddl") {
          p.block();
        } else {
          p.error("action " + name + ": unknown key '" + key + "' (expected template, feedback, grammar or pddl)");
        }
        p.expect(";");
      }
      p.expect("}");
      if (!has_template || !has_feedback) p.error("action " + name + " needs both template and feedback");
      std::string lower = name;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      actions.push_back({lower, {tmpl, feedback}});
    } else if (p.peek("grammar")) {
      p.expect("grammar");
      p.expect("::");
      mergeBlock(p.block(), false);
      p.expect(";");
    } else {
      p.error("expected 'action Name { ... }' or 'grammar :: \"\"\"...\"\"\";'");
    }
  }

  for (auto& [name, rules] : merged.items()) {
    if (!rules.is_array()) fail(source, "grammar rule '" + name + "' is not a list");
    std::vector<Rule> parsed;
    for (const auto& r : rules) {
      const std::string where = source + ": grammar rule '" + name + "'";
      if (!r.is_object() || !r.contains("rhs") || !r["rhs"].is_string()) fail(where, "each alternative needs a string \"rhs\"");
      Rule rule;
      rule.rhs = SymbolParser(r["rhs"].get<std::string>(), where).parse();
      if (r.contains("condition") && r["condition"].is_string() && !r["condition"].get<std::string>().empty()) {
        const std::string c = r["condition"].get<std::string>();
        rule.condition = parseQuery(c, where + ": condition '" + clip(c) + "'");
      }
      parsed.push_back(std::move(rule));
    }
    if (parsed.empty()) fail(source, "grammar rule '" + name + "' has no alternatives");
    g.rules_[name] = std::move(parsed);
  }
  for (const auto& [name, rules] : g.rules_)
    for (const auto& rule : rules) g.checkReferences(rule.rhs, source + ": grammar rule '" + name + "'");
  g.checkSelfExpansion();
  for (auto& [name, tf] : actions) {
    ActionText a;
    a.template_text = tf.first;
    a.feedback_text = tf.second;
    a.template_symbols = g.compile(a.template_text, "action " + name + " template");
    a.feedback_symbols = g.compile(a.feedback_text, "action " + name + " feedback");
    g.actions_[name] = std::move(a);
  }
  return g;
}

void TextGrammar::checkReferences(const Symbols& symbols, const std::string& where) const {
  for (const auto& s : symbols) {
    if (s.kind == Symbol::Kind::kNonterminal && !rules_.count(s.text)) fail(where, "symbol '#" + s.text + "#' has no rule in the grammar");
    if (s.inner) checkReferences(Symbols{*s.inner}, where);
  }
}

void TextGrammar::checkSelfExpansion() const {
  // When every alternative of rule A expands B with unchanged bindings, A expands B in any
  // state; a cycle of such rules repeats the same (rule, bindings) forever, so it is refused
  // here rather than met as a runaway recursion in some later step. (A cycle through some
  // alternatives only may never be taken: the render-time depth bound covers it.)
  std::map<std::string, std::set<std::string>> always;
  for (const auto& [name, alternatives] : rules_) {
    std::set<std::string> common;
    for (std::size_t k = 0; k < alternatives.size(); ++k) {
      std::set<std::string> these;
      sameBindingRules(alternatives[k].rhs, these);
      if (k == 0) common = std::move(these);
      else std::erase_if(common, [&](const std::string& r) { return !these.count(r); });
    }
    always[name] = std::move(common);
  }
  // Depth-first with an explicit stack (the chain of rules being expanded), so that a long
  // chain in the input cannot overflow ours.
  std::map<std::string, int> state;  // 1: on the chain, 2: done
  for (const auto& [root, unused] : always) {
    if (state[root]) continue;
    std::vector<std::pair<const std::string*, std::set<std::string>::const_iterator>> chain{{&root, always[root].begin()}};
    state[root] = 1;
    while (!chain.empty()) {
      auto& [rule, next] = chain.back();
      if (next == always[*rule].end()) {
        state[*rule] = 2;
        chain.pop_back();
        continue;
      }
      const std::string& to = *next++;
      if (state[to] == 2) continue;
      if (state[to] == 1) {
        std::string path;
        bool on = false;
        for (const auto& link : chain) {
          on = on || *link.first == to;
          if (on) path += *link.first + " -> ";
        }
        fail(source_, "grammar rule '" + to + "' expands itself (" + path + to + ") in every state");
      }
      state[to] = 1;
      chain.push_back({&always.find(to)->first, always[to].begin()});
    }
  }
}

Symbols TextGrammar::compile(std::string_view text, const std::string& where) const {
  Symbols out = SymbolParser(text, source_ + ": " + where).parse();
  checkReferences(out, source_ + ": " + where);
  return out;
}

const TextGrammar::ActionText* TextGrammar::action(const std::string& name) const {
  auto it = actions_.find(name);
  return it == actions_.end() ? nullptr : &it->second;
}

std::vector<Bindings> TextGrammar::query(const Query& q, const TextState& state, const Bindings& start) const {
  std::vector<Bindings> results;
  Bindings b = start;
  std::vector<int> used;
  for (const auto& [p, o] : b.values) used.push_back(o);
  const GroundTask& task = *state.task;
  // Depth-first over the query's atoms in order, facts in sorted order (TextWorld's
  // State.all_assignments); distinct placeholders take distinct objects.
  std::function<void(std::size_t)> match = [&](std::size_t depth) {
    if (depth == q.size()) {
      results.push_back(b);
      return;
    }
    const QueryAtom& qa = q[depth];
    const std::vector<uint8_t>& bits = qa.deleted_form ? *state.deleted : *state.truth;
    for (int atom : task.atomsOf(qa.predicate)) {
      if (!bits[atom]) continue;
      const auto& args = task.atomArgs(atom);
      if (args.size() != qa.params.size()) continue;
      const std::size_t mark = b.values.size();
      const std::size_t used_mark = used.size();
      bool ok = true;
      for (std::size_t k = 0; k < args.size() && ok; ++k) {
        const Placeholder& ph = qa.params[k];
        if (!task.domain().isA(task.objectType(args[k]), ph.type)) {
          ok = false;
          break;
        }
        const int existing = b.find(ph);
        if (existing < 0) {
          if (std::find(used.begin(), used.end(), args[k]) != used.end()) ok = false;
          else {
            b.values.push_back({ph, args[k]});
            used.push_back(args[k]);
          }
        } else if (existing != args[k]) {
          ok = false;
        }
      }
      if (ok) match(depth + 1);
      b.values.resize(mark);
      used.resize(used_mark);
    }
  };
  match(0);
  return results;
}

const TextGrammar::Rule& TextGrammar::select(const std::string& name, const TextState& state, const Bindings& b) const {
  auto it = rules_.find(name);
  if (it == rules_.end()) fail(source_, "symbol '#" + name + "#' has no rule in the grammar");
  for (const Rule& r : it->second)
    if (!r.condition || !query(*r.condition, state, b).empty()) return r;
  fail(source_, "no alternative of grammar rule '" + name + "' applies in this state");
}

void TextGrammar::expand(const std::string& rule, const TextState& state, const Bindings& b, std::string& out, Chain& chain) const {
  if (chain.size() >= kMaxExpansionDepth) {
    std::string path;
    for (std::size_t k = chain.size() - 3; k < chain.size(); ++k) path += *chain[k] + " -> ";
    fail(source_, "grammar rule '" + rule + "' nests deeper than " + std::to_string(kMaxExpansionDepth) + " expansions (... -> " + path + rule +
                      "): a rule that keeps expanding itself");
  }
  chain.push_back(&rule);
  for (const Symbol& child : select(rule, state, b).rhs) derive(child, state, b, out, chain);
  chain.pop_back();
}

void TextGrammar::derive(const Symbol& s, const TextState& state, const Bindings& b, std::string& out, Chain& chain) const {
  switch (s.kind) {
    case Symbol::Kind::kTerminal: out += s.text; return;
    case Symbol::Kind::kNonterminal: expand(s.text, state, b, out, chain); return;
    case Symbol::Kind::kEval: out += evaluate(s.expression, state, b, source_); return;
    case Symbol::Kind::kConditional: {
      if (!s.given) {
        derive(*s.inner, state, b, out, chain);
        return;
      }
      for (const Bindings& match : query(*s.given, state, b)) derive(*s.inner, state, match, out, chain);
      return;
    }
    case Symbol::Kind::kList: {
      const Symbol& cond = *s.inner;
      std::vector<Bindings> items = cond.given ? query(*cond.given, state, b) : std::vector<Bindings>{b};
      if (items.empty()) {
        expand("list_empty", state, b, out, chain);
        return;
      }
      for (std::size_t k = 0; k < items.size(); ++k) {
        if (k > 0) expand(k + 1 == items.size() ? "list_last_separator" : "list_separator", state, b, out, chain);
        derive(*cond.inner, state, items[k], out, chain);
      }
      return;
    }
  }
}

std::string TextGrammar::derive(const Symbols& symbols, const TextState& state, const Bindings& bindings) const {
  std::string out;
  Chain chain;
  for (const Symbol& s : symbols) derive(s, state, bindings, out, chain);
  return out;
}

bool TextGrammar::readsFluents(const Symbols& symbols, const GroundTask& task) const {
  // Conservative: any query or rule condition over a predicate that some action changes, or
  // any deleted-form atom, or a nonterminal with several alternatives or whose text does.
  std::function<bool(const Query&)> queryReads = [&](const Query& q) {
    for (const auto& a : q) {
      if (a.deleted_form) return true;
      for (const auto& act : task.domain().actions)
        for (const auto& e : act.effects)
          if (e.predicate == a.predicate) return true;
    }
    return false;
  };
  std::function<bool(const Symbols&, int)> reads = [&](const Symbols& syms, int depth) -> bool {
    if (depth > 32) return true;
    for (const Symbol& s : syms) {
      if (s.given && queryReads(*s.given)) return true;
      if (s.kind == Symbol::Kind::kNonterminal) {
        auto it = rules_.find(s.text);
        if (it == rules_.end()) return true;
        for (const Rule& r : it->second) {
          if (r.condition && queryReads(*r.condition)) return true;
          if (reads(r.rhs, depth + 1)) return true;
        }
      }
      if (s.inner && reads(Symbols{*s.inner}, depth + 1)) return true;
    }
    return false;
  };
  return reads(symbols, 0);
}

}  // namespace spur::alfworld
