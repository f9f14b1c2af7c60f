// PDDL for ALFWorld's text games: a parser for the domain and problem texts of a
// game.tw-pddl file, producing a plain syntax tree that envs/alfworld/grounding.h compiles.
//
// The accepted language is what Fast Downward's translator (which TextWorld's PddlEnv runs)
// accepts for the alfred domain: :typing, :adl (and/or/not/imply, exists/forall in
// conditions, forall/when in effects, =), :action-costs (increase of total-cost, ignored:
// costs matter only to a planner). As in Fast Downward every name is lowercased, and a typed
// list's type is any token, so alfred.pddl's `(exists (?l - location, ?r - receptacle) ...)`
// quantifies over the type "location," which has no objects (TextWorld's behaviour, kept).
//
// Errors: any other construct, an unbalanced parenthesis, lists nested more than 100 deep,
// more than 32 variables in one parameter or quantifier list, or a malformed list is an
// Error whose message names `source` (e.g. "games/x/game.tw-pddl: pddl_domain"), the line
// and the construct.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace spur::alfworld {

// One `name - type` entry of a typed list (type "object" where none is given).
struct TypedName {
  std::string name;
  std::string type;
};

// A term of an atom: a variable (`?x`, stored without the '?') or a constant (an object name).
struct Term {
  std::string name;
  bool is_variable = false;
};

// A condition (precondition, goal, `when` condition).
struct Formula {
  enum class Kind { kTrue, kAtom, kEquals, kNot, kAnd, kOr, kImply, kExists, kForall };
  Kind kind = Kind::kTrue;
  std::string predicate;             // kAtom
  std::vector<Term> terms;           // kAtom, kEquals (two terms)
  std::vector<Formula> children;     // kNot (1), kAnd, kOr, kImply (2), kExists/kForall (1)
  std::vector<TypedName> variables;  // kExists, kForall
  int line = 0;
};

// An effect, flattened: each entry sets one atom true (add) or false (delete), under the
// universally quantified `variables` and only where `condition` holds (kTrue when plain).
struct Effect {
  std::vector<TypedName> variables;  // from enclosing (forall ...)
  Formula condition;                 // from enclosing (when ...), conjoined
  bool add = true;
  std::string predicate;
  std::vector<Term> terms;
  int line = 0;
};

struct ActionSchema {
  std::string name;  // lowercased
  std::vector<TypedName> parameters;
  Formula precondition;
  std::vector<Effect> effects;
};

struct Domain {
  std::string name;
  // type -> parent type ("object" is the root and has no entry).
  std::map<std::string, std::string> parent_of;
  std::vector<TypedName> constants;
  std::map<std::string, std::vector<std::string>> predicates;  // name -> parameter types
  std::vector<ActionSchema> actions;

  // Whether `type` is `ancestor` or below it.
  bool isA(const std::string& type, const std::string& ancestor) const;
};

struct GroundAtom {
  std::string predicate;
  std::vector<std::string> args;
};

struct Problem {
  std::string name;
  std::string domain_name;
  std::vector<TypedName> objects;  // in declaration order
  std::vector<GroundAtom> init;    // numeric (= ...) initialisations are dropped
  Formula goal;
};

// Parse the texts; `source` names them in error messages.
Domain parseDomain(std::string_view text, const std::string& source);
Problem parseProblem(std::string_view text, const std::string& source);

}  // namespace spur::alfworld
