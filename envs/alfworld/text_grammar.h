// TextWorld's text grammar (.twl2) for ALFWorld games: the action blocks (command template,
// feedback rule) and the context-sensitive grammar that renders intro, feedback and command
// texts from the game state, with TextWorld's semantics (textworld/envs/pddl/textgen):
//  - a symbol `#name#` expands with the first rule of that name whose condition has at least
//    one match in the state (a condition never binds variables for the rule's text);
//  - `{expr}` evaluates an expression over the bound entities (`o.name`, `r.name or r.id`,
//    `o.indefinite + ' ' + o.name`, a bare `o` = its name); `{x | query}` repeats x once per
//    match of the conjunctive query, extending the bindings; `[{...}]` joins the repeats with
//    the rules list_separator / list_last_separator, or list_empty when there is none;
//  - a query `p(a:type, b:type) & not_q(...)` matches facts in TextWorld's order (the facts of
//    a predicate sorted by their arguments' names), binds distinct placeholders to distinct
//    objects, and reads `not_q` as "an action deleted q" (grounding.h);
//  - TatSu's parse quirks are kept: tabs before a symbol are skipped, whitespace (and `//`
//    lines) at the very start of a text is dropped (so help's leading newline is not shown),
//    and a text stops at the first character no symbol can start with (`;`, `|`, `<`, ...).
//
// Errors (Error naming `source`): a malformed document, JSON block, query (or one of more
// than 32 predicates) or expression (or one nested deeper than 32 parentheses), an attribute other than name/id/indefinite/definite/type, a `#symbol#` that no rule defines
// (checked at load for every text), rules that expand one another in a cycle with the same
// bindings whatever the state (every alternative of each does: it could never end; refused
// at load, naming the cycle), or, at render time, no applicable rule, an unbound name, or
// more than 64 nested rule expansions (a cycle through queries, which load cannot judge).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "envs/alfworld/grounding.h"

namespace spur::alfworld {

// What the grammar may say about an object.
struct EntityInfo {
  std::string id;    // the PDDL object id (lowercased)
  std::string name;  // display name ("countertop 1")
  std::string type;
};

// A placeholder of a query: name and type (`r:receptacle`).
struct Placeholder {
  std::string name, type;
  bool operator==(const Placeholder&) const = default;
};

// One predicate of a conjunctive query.
struct QueryAtom {
  std::string predicate;      // without the not_ prefix
  bool deleted_form = false;  // not_predicate
  std::vector<Placeholder> params;
};
using Query = std::vector<QueryAtom>;

// Placeholder -> object bindings of a derivation (TextWorld's context mapping).
struct Bindings {
  std::vector<std::pair<Placeholder, int>> values;
  int find(const Placeholder& p) const;
  // The object bound to a name (any type), innermost first; -1 if none.
  int findName(const std::string& name) const;
};

// The state a derivation reads.
struct TextState {
  const GroundTask* task = nullptr;
  const std::vector<uint8_t>* truth = nullptr;
  const std::vector<uint8_t>* deleted = nullptr;
  const std::vector<EntityInfo>* entities = nullptr;  // indexed by object id
};

// An expression of a {...} symbol: a small subset of Python over entity attributes.
struct Expression {
  enum class Kind { kName, kAttribute, kString, kConcat, kOr };
  Kind kind = Kind::kString;
  std::string name, attribute, literal;
  std::vector<Expression> children;
};

struct Symbol;
using Symbols = std::vector<Symbol>;

// One symbol of a text: literal, #rule#, {expression}, {x | query} or [{x | query}].
struct Symbol {
  enum class Kind { kTerminal, kNonterminal, kEval, kConditional, kList };
  Kind kind = Kind::kTerminal;
  std::string text;                   // terminal text, nonterminal name, or expression source
  Expression expression;              // kEval
  std::shared_ptr<Symbol> inner;      // kConditional: the repeated symbol; kList: the conditional
  std::optional<Query> given;         // kConditional
};


class TextGrammar {
 public:
  struct ActionText {
    std::string template_text, feedback_text;
    Symbols template_symbols, feedback_symbols;
  };

  // Parses a .twl2 document (the `grammar` field of a game file); `source` names it in errors.
  static TextGrammar parse(std::string_view document, const std::string& source);

  TextGrammar();
  ~TextGrammar();
  TextGrammar(TextGrammar&&) noexcept;
  TextGrammar& operator=(TextGrammar&&) noexcept;

  // The action block of a PDDL action (lowercased name), or nullptr.
  const ActionText* action(const std::string& name) const;
  // Parses a text in the grammar's symbol language and checks its #symbols# exist.
  Symbols compile(std::string_view text, const std::string& where) const;
  // Renders symbols in `state` with the given bindings.
  std::string derive(const Symbols& symbols, const TextState& state, const Bindings& bindings) const;
  // Whether rendering `symbols` can depend on facts that actions change (false: the text is a
  // function of the bindings alone and may be cached).
  bool readsFluents(const Symbols& symbols, const GroundTask& task) const;

  // All matches of a query (exposed for tests).
  std::vector<Bindings> query(const Query& q, const TextState& state, const Bindings& start) const;

 private:
  struct Rule;
  using Chain = std::vector<const std::string*>;  // the rules being expanded, outermost first
  void derive(const Symbol& s, const TextState& state, const Bindings& b, std::string& out, Chain& chain) const;
  void expand(const std::string& rule, const TextState& state, const Bindings& b, std::string& out, Chain& chain) const;
  const Rule& select(const std::string& name, const TextState& state, const Bindings& b) const;
  void checkReferences(const Symbols& symbols, const std::string& where) const;
  // Throws when rules expand one another in a cycle with unchanged bindings (see parse).
  void checkSelfExpansion() const;

  std::string source_;
  std::map<std::string, std::vector<Rule>> rules_;
  std::map<std::string, ActionText> actions_;
};

}  // namespace spur::alfworld
