#include "envs/alfworld/grounding.h"

#include <algorithm>
#include <cstring>
#include <functional>

#include "core/status.h"

namespace spur::alfworld {
namespace {

[[noreturn]] void fail(const std::string& where, int line, const std::string& what) {
  throw Error(StatusCode::kInvalidArgument, where + (line > 0 ? ":" + std::to_string(line) : "") + ": " + what);
}

Condition constant(bool value) {
  Condition c;
  c.kind = value ? Condition::Kind::kTrue : Condition::Kind::kFalse;
  return c;
}

Condition negate(Condition c) {
  using K = Condition::Kind;
  switch (c.kind) {
    case K::kTrue: return constant(false);
    case K::kFalse: return constant(true);
    case K::kAtom: c.kind = K::kNotAtom; return c;
    case K::kNotAtom: c.kind = K::kAtom; return c;
    case K::kAnd:
    case K::kOr: {
      c.kind = c.kind == K::kAnd ? K::kOr : K::kAnd;
      for (auto& child : c.children) child = negate(std::move(child));
      return c;
    }
  }
  return c;
}

// And/Or of children with constants folded and nested same-kind nodes flattened.
Condition junction(Condition::Kind kind, std::vector<Condition> children) {
  using K = Condition::Kind;
  const K absorbing = kind == K::kAnd ? K::kFalse : K::kTrue;
  const K neutral = kind == K::kAnd ? K::kTrue : K::kFalse;
  Condition out;
  out.kind = kind;
  for (auto& c : children) {
    if (c.kind == absorbing) return constant(kind == K::kOr);
    if (c.kind == neutral) continue;
    if (c.kind == kind) {
      for (auto& g : c.children) out.children.push_back(std::move(g));
    } else {
      out.children.push_back(std::move(c));
    }
  }
  if (out.children.empty()) return constant(kind == K::kAnd);
  if (out.children.size() == 1) return std::move(out.children[0]);
  return out;
}

// The literals a condition requires at its top level (a conjunction's atom children).
void topLiterals(const Condition& c, std::vector<int>& positive, std::vector<int>& negative) {
  using K = Condition::Kind;
  if (c.kind == K::kAtom) positive.push_back(c.atom);
  else if (c.kind == K::kNotAtom) negative.push_back(c.atom);
  else if (c.kind == K::kAnd)
    for (const auto& child : c.children) {
      if (child.kind == K::kAtom) positive.push_back(child.atom);
      else if (child.kind == K::kNotAtom) negative.push_back(child.atom);
    }
}

std::string atomKey(int predicate, const std::vector<int>& args) {
  std::string key(sizeof(int) * (args.size() + 1), '\0');
  std::memcpy(key.data(), &predicate, sizeof(int));
  if (!args.empty()) std::memcpy(key.data() + sizeof(int), args.data(), sizeof(int) * args.size());
  return key;
}

// (predicate, args) in 64 bits: 12 bits of predicate, then up to four 13-bit object ids
// (12 + 4 * 13 = 64, no bit shared). The arity is not stored: every atom of a predicate has
// its declared arity (predicateId checks it before any atom is interned), so it never tells
// two keys apart. Anything wider goes to atomKey, which holds every argument.
constexpr int kPackedPredicateBits = 12, kPackedObjectBits = 13;
constexpr std::size_t kPackedMaxArgs = 4;
static_assert(kPackedPredicateBits + kPackedMaxArgs * kPackedObjectBits <= 64);

bool packAtom(int predicate, const std::vector<int>& args, uint64_t& key) {
  if (predicate < 0 || predicate >= (1 << kPackedPredicateBits) || args.size() > kPackedMaxArgs) return false;
  key = static_cast<uint64_t>(predicate);
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] < 0 || args[i] >= (1 << kPackedObjectBits)) return false;
    key |= static_cast<uint64_t>(args[i]) << (kPackedPredicateBits + kPackedObjectBits * i);
  }
  return true;
}

uint64_t staticIndexKey(int predicate, int position, int object) {
  return (static_cast<uint64_t>(predicate) << 40) | (static_cast<uint64_t>(position) << 32) | static_cast<uint32_t>(object);
}

bool contains(const std::vector<int>& v, int x) { return std::find(v.begin(), v.end(), x) != v.end(); }

}  // namespace

bool Condition::holds(const std::vector<uint8_t>& truth) const {
  switch (kind) {
    case Kind::kTrue: return true;
    case Kind::kFalse: return false;
    case Kind::kAtom: return truth[atom] != 0;
    case Kind::kNotAtom: return truth[atom] == 0;
    case Kind::kAnd:
      for (const auto& c : children)
        if (!c.holds(truth)) return false;
      return true;
    case Kind::kOr:
      for (const auto& c : children)
        if (c.holds(truth)) return true;
      return false;
  }
  return false;
}

// Variable name -> object id, innermost last (quantifiers shadow parameters).
struct GroundTask::Binding {
  std::vector<std::pair<const std::string*, int>> vars;
  int lookup(const std::string& name) const {
    for (auto it = vars.rbegin(); it != vars.rend(); ++it)
      if (*it->first == name) return it->second;
    return -1;
  }
};

GroundTask::GroundTask(const Domain& domain, const Problem& problem, const std::string& source) : domain_(domain), source_(source) {
  if (!problem.domain_name.empty() && problem.domain_name != domain.name)
    fail(source, 0, "pddl_problem is for domain '" + problem.domain_name + "', pddl_domain defines '" + domain.name + "'");
  auto addObject = [&](const TypedName& o, const char* what) {
    if (o.type != "object" && !domain_.parent_of.count(o.type)) fail(source, 0, std::string(what) + " '" + o.name + "' has undeclared type '" + o.type + "'");
    if (object_ids_.count(o.name)) {
      if (std::string(what) == "constant") return;
      fail(source, 0, "object '" + o.name + "' is declared twice");
    }
    object_ids_[o.name] = static_cast<int>(object_names_.size());
    object_names_.push_back(o.name);
    object_types_.push_back(o.type);
  };
  for (const auto& o : problem.objects) addObject(o, "object");
  for (const auto& o : domain_.constants) addObject(o, "constant");

  // Predicates: declared ones; static = no action's effect names it.
  for (const auto& [name, types] : domain_.predicates) {
    predicate_ids_[name] = static_cast<int>(predicate_names_.size());
    predicate_names_.push_back(name);
    predicate_static_.push_back(1);
  }
  for (const auto& a : domain_.actions)
    for (const auto& e : a.effects) predicate_static_[predicate_ids_.at(e.predicate)] = 0;
  atoms_by_predicate_.resize(predicate_names_.size());

  for (const auto& g : problem.init) {
    const int p = predicateId(g.predicate, g.args.size(), "pddl_problem :init", 0);
    std::vector<int> args;
    for (const auto& name : g.args) {
      const int id = objectId(name);
      if (id < 0) fail(source, 0, "pddl_problem :init: (" + g.predicate + " ...) names unknown object '" + name + "'");
      args.push_back(id);
    }
    const int atom = internAtom(p, args);
    initial_truth_[atom] = 1;
  }

  // Static facts by (predicate, position, object), for grounding's generators.
  for (int atom = 0; atom < atomCount(); ++atom) {
    if (!predicate_static_[static_cast<std::size_t>(atom_predicate_[atom])]) continue;
    const auto& args = atom_args_[atom];
    for (std::size_t k = 0; k < args.size(); ++k) static_index_[staticIndexKey(atom_predicate_[atom], static_cast<int>(k), args[k])].push_back(atom);
  }
  for (std::size_t a = 0; a < domain_.actions.size(); ++a) groundAction(static_cast<int>(a));
  Binding empty;
  goal_ = compile(problem.goal, empty, "pddl_problem :goal");
  finishIndex();
}

int GroundTask::objectId(const std::string& name) const {
  auto it = object_ids_.find(name);
  return it == object_ids_.end() ? -1 : it->second;
}

const std::vector<int>& GroundTask::objectsOfType(const std::string& type) {
  auto it = objects_of_type_.find(type);
  if (it != objects_of_type_.end()) return it->second;
  std::vector<int> ids;
  for (int o = 0; o < objectCount(); ++o)
    if (domain_.isA(object_types_[o], type)) ids.push_back(o);
  return objects_of_type_.emplace(type, std::move(ids)).first->second;
}

int GroundTask::predicateId(const std::string& name, std::size_t arity, const std::string& where, int line) {
  auto it = predicate_ids_.find(name);
  if (it == predicate_ids_.end()) fail(source_ + ": " + where, line, "undeclared predicate '" + name + "'");
  const std::size_t declared = domain_.predicates.at(name).size();
  if (declared != arity)
    fail(source_ + ": " + where, line, "predicate '" + name + "' takes " + std::to_string(declared) + " arguments, given " + std::to_string(arity));
  return it->second;
}

int GroundTask::findAtom(int predicate, const std::vector<int>& args) const {
  uint64_t packed = 0;
  if (packAtom(predicate, args, packed)) {
    auto it = packed_atom_ids_.find(packed);
    return it == packed_atom_ids_.end() ? -1 : it->second;
  }
  auto it = atom_ids_.find(atomKey(predicate, args));
  return it == atom_ids_.end() ? -1 : it->second;
}

int GroundTask::internAtom(int predicate, const std::vector<int>& args) {
  const int found = findAtom(predicate, args);
  if (found >= 0) return found;
  const int id = static_cast<int>(atom_predicate_.size());
  uint64_t packed = 0;
  if (packAtom(predicate, args, packed)) packed_atom_ids_.emplace(packed, id);
  else atom_ids_.emplace(atomKey(predicate, args), id);
  atom_predicate_.push_back(predicate);
  atom_args_.push_back(args);
  atoms_by_predicate_[predicate].push_back(id);
  initial_truth_.push_back(0);
  return id;
}

int GroundTask::formulaPredicate(const Formula& f, const std::string& where) {
  auto it = formula_predicate_.find(&f);
  if (it != formula_predicate_.end()) return it->second;
  const int p = predicateId(f.predicate, f.terms.size(), where, f.line);
  formula_predicate_.emplace(&f, p);
  return p;
}

Condition GroundTask::compile(const Formula& f, Binding& b, const std::string& where) {
  using FK = Formula::Kind;
  auto resolve = [&](const Term& t) {
    if (t.is_variable) {
      const int id = b.lookup(t.name);
      if (id < 0) fail(source_ + ": " + where, f.line, "unknown variable '?" + t.name + "'");
      return id;
    }
    auto cached = term_object_.find(&t);
    if (cached != term_object_.end()) return cached->second;
    const int id = objectId(t.name);
    if (id < 0) fail(source_ + ": " + where, f.line, "unknown object '" + t.name + "'");
    term_object_.emplace(&t, id);
    return id;
  };
  switch (f.kind) {
    case FK::kTrue: return constant(true);
    case FK::kEquals: return constant(resolve(f.terms[0]) == resolve(f.terms[1]));
    case FK::kAtom: {
      const int p = formulaPredicate(f, where);
      std::vector<int>& args = scratch_args_;  // no recursion while in use
      args.clear();
      for (const auto& t : f.terms) args.push_back(resolve(t));
      if (predicate_static_[p]) {
        const int atom = findAtom(p, args);
        return constant(atom >= 0 && initial_truth_[atom]);
      }
      Condition c;
      c.kind = Condition::Kind::kAtom;
      c.atom = internAtom(p, args);
      return c;
    }
    case FK::kNot: return negate(compile(f.children[0], b, where));
    case FK::kAnd:
    case FK::kOr: {
      std::vector<Condition> kids;
      kids.reserve(f.children.size());
      const auto kind = f.kind == FK::kAnd ? Condition::Kind::kAnd : Condition::Kind::kOr;
      for (const auto& child : f.children) {
        kids.push_back(compile(child, b, where));
        // Short-circuit on an absorbing constant: the rest cannot change the value.
        if ((kind == Condition::Kind::kAnd && kids.back().kind == Condition::Kind::kFalse) ||
            (kind == Condition::Kind::kOr && kids.back().kind == Condition::Kind::kTrue))
          return kids.back();
      }
      return junction(kind, std::move(kids));
    }
    case FK::kImply: {
      std::vector<Condition> kids;
      kids.push_back(negate(compile(f.children[0], b, where)));
      kids.push_back(compile(f.children[1], b, where));
      return junction(Condition::Kind::kOr, std::move(kids));
    }
    case FK::kExists:
    case FK::kForall: {
      const auto kind = f.kind == FK::kExists ? Condition::Kind::kOr : Condition::Kind::kAnd;
      std::vector<Condition> kids;
      const std::size_t base = b.vars.size();
      std::function<bool(std::size_t)> expand = [&](std::size_t i) -> bool {
        if (i == f.variables.size()) {
          kids.push_back(compile(f.children[0], b, where));
          const auto k = kids.back().kind;
          return !((kind == Condition::Kind::kOr && k == Condition::Kind::kTrue) || (kind == Condition::Kind::kAnd && k == Condition::Kind::kFalse));
        }
        for (int o : objectsOfType(f.variables[i].type)) {
          b.vars.emplace_back(&f.variables[i].name, o);
          const bool more = expand(i + 1);
          b.vars.pop_back();
          if (!more) return false;
        }
        return true;
      };
      expand(0);
      b.vars.resize(base);
      return junction(kind, std::move(kids));
    }
  }
  return constant(false);
}

void GroundTask::groundAction(int index) {
  const ActionSchema& a = domain_.actions[index];
  const std::string where = "action " + a.name;
  const std::size_t n = a.parameters.size();

  // Top-level conjuncts that read only static predicates are checked as soon as the last
  // parameter they use is bound, so that the enumeration prunes early (alfred's GotoLocation
  // binds ?r only where receptacleAtLocation ?r ?lEnd holds).
  std::vector<const Formula*> conjuncts;
  std::function<void(const Formula&)> flatten = [&](const Formula& f) {
    if (f.kind == Formula::Kind::kAnd)
      for (const auto& c : f.children) flatten(c);
    else conjuncts.push_back(&f);
  };
  flatten(a.precondition);
  std::vector<std::vector<const Formula*>> checks_at(n);
  for (const Formula* c : conjuncts) {
    bool static_only = true;
    int last = -1;
    std::function<void(const Formula&, std::vector<std::string>&)> scan = [&](const Formula& f, std::vector<std::string>& bound) {
      if (f.kind == Formula::Kind::kAtom) {
        auto it = predicate_ids_.find(f.predicate);
        if (it == predicate_ids_.end() || !predicate_static_[it->second]) static_only = false;
      }
      for (const auto& t : f.terms) {
        if (!t.is_variable || std::find(bound.begin(), bound.end(), t.name) != bound.end()) continue;
        for (std::size_t i = 0; i < n; ++i)
          if (a.parameters[i].name == t.name) last = std::max(last, static_cast<int>(i));
      }
      const std::size_t mark = bound.size();
      for (const auto& v : f.variables) bound.push_back(v.name);
      for (const auto& child : f.children) scan(child, bound);
      bound.resize(mark);
    };
    std::vector<std::string> bound;
    scan(*c, bound);
    if (static_only && last >= 0) checks_at[static_cast<std::size_t>(last)].push_back(c);
  }

  std::vector<const std::vector<int>*> domains(n);
  std::vector<std::vector<uint8_t>> in_domain(n, std::vector<uint8_t>(static_cast<std::size_t>(objectCount()), 0));
  for (std::size_t i = 0; i < n; ++i) {
    domains[i] = &objectsOfType(a.parameters[i].type);
    for (int o : *domains[i]) in_domain[i][static_cast<std::size_t>(o)] = 1;
  }

  // A parameter that a static positive atom binds (all its other terms constants or earlier
  // parameters) draws its values from that predicate's facts instead of from every object
  // of its type: PutObject's ?ot from (objectType ?o ?ot), ?r from (receptacleAtLocation ?r ?l).
  auto paramIndex = [&](const std::string& var) {
    for (std::size_t k = 0; k < n; ++k)
      if (a.parameters[k].name == var) return static_cast<int>(k);
    return -1;
  };
  std::vector<const Formula*> generator(n, nullptr);
  for (const Formula* c : conjuncts) {
    if (c->kind != Formula::Kind::kAtom) continue;
    auto it = predicate_ids_.find(c->predicate);
    if (it == predicate_ids_.end() || !predicate_static_[it->second]) continue;
    int last = -1;
    bool only_params = true;
    for (const auto& t : c->terms) {
      if (!t.is_variable) continue;
      const int k = paramIndex(t.name);
      if (k < 0) only_params = false;
      last = std::max(last, k);
    }
    if (only_params && last >= 0 && !generator[static_cast<std::size_t>(last)]) generator[static_cast<std::size_t>(last)] = c;
  }
  std::vector<int> args(n);
  // Each generator term resolved once: a constant's object id, an earlier parameter's index,
  // or the parameter being generated; the facts scanned are those sharing the first bound
  // term's value (static_index_), not the whole predicate.
  struct GenTerm {
    int constant = -1, param = -1;
    bool self = false;
  };
  std::vector<std::vector<GenTerm>> gen_terms(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (!generator[i]) continue;
    for (const auto& t : generator[i]->terms) {
      GenTerm g;
      if (!t.is_variable) {
        g.constant = objectId(t.name);
        if (g.constant < 0) fail(source_ + ": " + where, generator[i]->line, "unknown object '" + t.name + "'");
      } else {
        g.param = paramIndex(t.name);
        g.self = static_cast<std::size_t>(g.param) == i;
      }
      gen_terms[i].push_back(g);
    }
  }
  std::vector<std::vector<int>> candidates(n);
  auto generate = [&](std::size_t i) -> const std::vector<int>& {
    std::vector<int>& out = candidates[i];
    out.clear();
    const Formula& g = *generator[i];
    const int p = formulaPredicate(g, where);
    const auto& terms = gen_terms[i];
    const std::vector<int>* scan = &atoms_by_predicate_[static_cast<std::size_t>(p)];
    for (std::size_t k = 0; k < terms.size(); ++k) {
      if (terms[k].self) continue;
      const int value = terms[k].constant >= 0 ? terms[k].constant : args[static_cast<std::size_t>(terms[k].param)];
      auto it = static_index_.find(staticIndexKey(p, static_cast<int>(k), value));
      static const std::vector<int> kNone;
      scan = it == static_index_.end() ? &kNone : &it->second;
      break;
    }
    for (int atom : *scan) {
      if (!initial_truth_[atom]) continue;
      const auto& atom_args = atom_args_[atom];
      int value = -1;
      bool match = true;
      for (std::size_t k = 0; k < terms.size() && match; ++k) {
        if (terms[k].self) {
          match = value < 0 || value == atom_args[k];
          value = atom_args[k];
        } else {
          match = (terms[k].constant >= 0 ? terms[k].constant : args[static_cast<std::size_t>(terms[k].param)]) == atom_args[k];
        }
      }
      if (match && value >= 0 && in_domain[i][static_cast<std::size_t>(value)]) out.push_back(value);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  };
  Binding b;
  std::function<void(std::size_t)> bind = [&](std::size_t i) {
    if (i == n) {
      GroundOperator op;
      op.action = index;
      op.args = args;
      op.precondition = compile(a.precondition, b, where);
      if (op.precondition.kind == Condition::Kind::kFalse) return;
      for (const Effect& e : a.effects) {
        const std::size_t base = b.vars.size();
        std::function<void(std::size_t)> expand = [&](std::size_t k) {
          if (k < e.variables.size()) {
            for (int o : objectsOfType(e.variables[k].type)) {
              b.vars.emplace_back(&e.variables[k].name, o);
              expand(k + 1);
              b.vars.pop_back();
            }
            return;
          }
          Condition cond = compile(e.condition, b, where);
          if (cond.kind == Condition::Kind::kFalse) return;
          const int p = predicateId(e.predicate, e.terms.size(), where, e.line);
          std::vector<int> atom_args;
          for (const auto& t : e.terms) {
            const int id = t.is_variable ? b.lookup(t.name) : objectId(t.name);
            if (id < 0) fail(source_ + ": " + where, e.line, "effect names unknown " + std::string(t.is_variable ? "variable '?" : "object '") + t.name + "'");
            atom_args.push_back(id);
          }
          const int atom = internAtom(p, atom_args);
          if (cond.kind == Condition::Kind::kTrue) (e.add ? op.adds : op.deletes).push_back(atom);
          else op.conditional.push_back({std::move(cond), e.add, atom});
        };
        expand(0);
        b.vars.resize(base);
      }
      // Fast Downward's translator: an atom both added and deleted is added; an add the
      // precondition already requires, or a delete of an atom it requires false, is a no-op;
      // an operator left without effects is dropped.
      std::sort(op.adds.begin(), op.adds.end());
      op.adds.erase(std::unique(op.adds.begin(), op.adds.end()), op.adds.end());
      std::sort(op.deletes.begin(), op.deletes.end());
      op.deletes.erase(std::unique(op.deletes.begin(), op.deletes.end()), op.deletes.end());
      std::erase_if(op.deletes, [&](int x) { return std::binary_search(op.adds.begin(), op.adds.end(), x); });
      std::vector<int> pos, neg;
      topLiterals(op.precondition, pos, neg);
      std::erase_if(op.adds, [&](int x) { return contains(pos, x); });
      std::erase_if(op.deletes, [&](int x) { return contains(neg, x); });
      if (op.adds.empty() && op.deletes.empty() && op.conditional.empty()) return;
      operators_.push_back(std::move(op));
      return;
    }
    const std::vector<int>& values = generator[i] ? generate(i) : *domains[i];
    for (int o : values) {
      args[i] = o;
      b.vars.emplace_back(&a.parameters[i].name, o);
      bool ok = true;
      for (const Formula* c : checks_at[i]) {
        if (compile(*c, b, where).kind == Condition::Kind::kFalse) {
          ok = false;
          break;
        }
      }
      if (ok) bind(i + 1);
      b.vars.pop_back();
    }
  };
  bind(0);
}

void GroundTask::finishIndex() {
  // Facts sorted as TextWorld sorts them: by their arguments' names.
  for (auto& atoms : atoms_by_predicate_)
    std::sort(atoms.begin(), atoms.end(), [&](int x, int y) {
      const auto& ax = atom_args_[x];
      const auto& ay = atom_args_[y];
      return std::lexicographical_compare(ax.begin(), ax.end(), ay.begin(), ay.end(),
                                          [&](int p, int q) { return object_names_[p] < object_names_[q]; });
    });
  keyed_ops_.assign(atom_predicate_.size(), {});
  for (int i = 0; i < static_cast<int>(operators_.size()); ++i) {
    std::vector<int> pos, neg;
    topLiterals(operators_[i].precondition, pos, neg);
    if (pos.empty()) {
      unkeyed_ops_.push_back(i);
    } else {
      if (keyed_ops_[pos[0]].empty()) key_atoms_.push_back(pos[0]);
      keyed_ops_[pos[0]].push_back(i);
    }
  }
}

const std::vector<int>& GroundTask::atomsOf(const std::string& predicate) const {
  static const std::vector<int> kNone;
  auto it = predicate_ids_.find(predicate);
  return it == predicate_ids_.end() ? kNone : atoms_by_predicate_[it->second];
}

void GroundTask::applicable(const std::vector<uint8_t>& truth, std::vector<int>& out) const {
  out.clear();
  for (int op : unkeyed_ops_)
    if (operators_[op].precondition.holds(truth)) out.push_back(op);
  for (int atom : key_atoms_) {
    if (!truth[atom]) continue;
    for (int op : keyed_ops_[atom])
      if (operators_[op].precondition.holds(truth)) out.push_back(op);
  }
  std::sort(out.begin(), out.end());
}

void GroundTask::apply(int index, std::vector<uint8_t>& truth, std::vector<uint8_t>& deleted) const {
  const GroundOperator& op = operators_[index];
  // Conditions are read in the state before the operator; deletes first, then adds.
  std::vector<int> adds = op.adds, dels = op.deletes;
  for (const auto& c : op.conditional)
    if (c.condition.holds(truth)) (c.add ? adds : dels).push_back(c.atom);
  for (int x : dels) {
    truth[x] = 0;
    deleted[x] = 1;
  }
  for (int x : adds) {
    truth[x] = 1;
    deleted[x] = 0;
  }
}

}  // namespace spur::alfworld
