// Grounding: a PDDL domain + problem compiled into ground atoms and operators that can be
// checked and applied in microseconds, with the applicability that TextWorld's PddlEnv gets
// from Fast Downward's translator:
//  - every atom is a plain boolean (no invariant synthesis, no reachability pruning of facts);
//  - predicates that no effect changes are static: evaluated once, at grounding;
//  - an operator whose effects are all no-ops given its own precondition is dropped (Fast
//    Downward removes it), which is why "go to X" is never offered when X is where the agent
//    already stands: the delete and add of atLocation cancel (the add wins), the add is implied
//    by the precondition, and total-cost is not an effect;
//  - quantifiers range over the objects of their type; a type with no objects (alfred's
//    "location," typo) makes `exists` false and `forall` true.
//
// Besides the true state the engine keeps, per atom, whether an effect explicitly deleted it:
// TextWorld's text conditions read `not_p` as "p was deleted by some action", not as "p is
// false" (envs/alfworld/text_grammar.h).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "envs/alfworld/pddl.h"

namespace spur::alfworld {

// A compiled condition over atom ids (statics already folded in).
struct Condition {
  enum class Kind : uint8_t { kTrue, kFalse, kAtom, kNotAtom, kAnd, kOr };
  Kind kind = Kind::kTrue;
  int atom = -1;
  std::vector<Condition> children;

  bool holds(const std::vector<uint8_t>& truth) const;
};

struct GroundOperator {
  int action = 0;                     // index into Domain::actions
  std::vector<int> args;              // object ids, one per action parameter
  Condition precondition;
  std::vector<int> adds, deletes;     // unconditional effects (no-ops removed)
  struct ConditionalEffect {
    Condition condition;
    bool add = true;
    int atom = -1;
  };
  std::vector<ConditionalEffect> conditional;
};

class GroundTask {
 public:
  // Throws Error naming `source` for undeclared predicates, wrong arities, unknown objects
  // in :init or the goal, or a domain/problem name mismatch.
  GroundTask(const Domain& domain, const Problem& problem, const std::string& source);

  const Domain& domain() const { return domain_; }

  // Objects (problem objects, then domain constants), lowercased ids.
  int objectCount() const { return static_cast<int>(object_names_.size()); }
  const std::string& objectName(int id) const { return object_names_[id]; }
  const std::string& objectType(int id) const { return object_types_[id]; }
  int objectId(const std::string& name) const;  // -1 if unknown

  // Atoms: every atom of :init, of an effect or of a precondition/goal.
  int atomCount() const { return static_cast<int>(atom_predicate_.size()); }
  const std::string& atomPredicate(int atom) const { return predicate_names_[atom_predicate_[atom]]; }
  const std::vector<int>& atomArgs(int atom) const { return atom_args_[atom]; }
  // The atoms of a predicate sorted by their argument names (TextWorld lists facts sorted);
  // empty for unknown predicates.
  const std::vector<int>& atomsOf(const std::string& predicate) const;

  const std::vector<uint8_t>& initialTruth() const { return initial_truth_; }
  const std::vector<GroundOperator>& operators() const { return operators_; }
  const Condition& goal() const { return goal_; }

  // The operators applicable in `truth`, ascending.
  void applicable(const std::vector<uint8_t>& truth, std::vector<int>& out) const;
  // Applies operator `op`: PDDL semantics (conditions read before any change; an atom both
  // added and deleted ends true). `deleted` records atoms an effect set false.
  void apply(int op, std::vector<uint8_t>& truth, std::vector<uint8_t>& deleted) const;

 private:
  int internAtom(int predicate, const std::vector<int>& args);
  int findAtom(int predicate, const std::vector<int>& args) const;  // -1 if not interned
  int formulaPredicate(const Formula& f, const std::string& where);
  int predicateId(const std::string& name, std::size_t arity, const std::string& where, int line);
  struct Binding;
  Condition compile(const Formula& f, Binding& b, const std::string& where);
  void groundAction(int index);
  void finishIndex();

  Domain domain_;
  std::string source_;
  std::vector<std::string> object_names_, object_types_;
  std::unordered_map<std::string, int> object_ids_;
  std::unordered_map<std::string, std::vector<int>> objects_of_type_;  // cache: type -> ids

  std::vector<std::string> predicate_names_;
  std::unordered_map<std::string, int> predicate_ids_;
  std::vector<uint8_t> predicate_static_;
  std::vector<int> atom_predicate_;
  std::vector<std::vector<int>> atom_args_;
  // Atom ids by (predicate, args): packed into 64 bits when they fit (the common case), else
  // by a byte-string key.
  std::unordered_map<uint64_t, int> packed_atom_ids_;
  std::unordered_map<std::string, int> atom_ids_;
  std::unordered_map<const Formula*, int> formula_predicate_;
  std::unordered_map<const Term*, int> term_object_;  // constants resolved once
  std::unordered_map<uint64_t, std::vector<int>> static_index_;
  std::vector<int> scratch_args_;
  std::vector<std::vector<int>> atoms_by_predicate_;
  std::vector<uint8_t> initial_truth_;

  std::vector<GroundOperator> operators_;
  Condition goal_;
  // Applicability index: operators whose precondition needs atom k true, per k; the rest.
  std::vector<std::vector<int>> keyed_ops_;
  std::vector<int> key_atoms_;
  std::vector<int> unkeyed_ops_;

  const std::vector<int>& objectsOfType(const std::string& type);
};

}  // namespace spur::alfworld
