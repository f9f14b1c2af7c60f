#include "envs/alfworld/generator.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "core/config.h"
#include "core/status.h"
#include "core/subprocess.h"
#include "envs/alfworld/alfworld_env.h"
#include "envs/alfworld/game.h"

#ifndef SPUR_DEFAULT_PYTHON
#define SPUR_DEFAULT_PYTHON "python3"
#endif
#ifndef SPUR_ALFWORLD_PACKAGE_SCRIPT
#define SPUR_ALFWORLD_PACKAGE_SCRIPT "envs/alfworld/alfworld_package.py"
#endif

namespace spur::alfworld {
namespace {

namespace fs = std::filesystem;
using Rng = std::mt19937_64;

std::string mangle(const std::string& id) {
  std::string out;
  for (char c : id) {
    switch (c) {
      case '|': out += "_bar_"; break;
      case '-': out += "_minus_"; break;
      case '+': out += "_plus_"; break;
      case '.': out += "_dot_"; break;
      case ',': out += "_comma_"; break;
      default: out += c;
    }
  }
  return out;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string fnv64(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string coord(double v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%+06.2f", v);
  return buf;
}

bool contains(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

template <class T>
const T& pick(const std::vector<T>& v, Rng& rng) {
  return v[std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(rng)];
}

struct Receptacle {
  std::string id;    // ALFRED id, e.g. "Cabinet|+00.68|+00.50|-02.20"
  std::string type;  // "Cabinet"
  std::string loc;   // "loc|0|-5|2|30"
};

struct Object {
  std::string id, type;
  int receptacle = -1;
};

struct Layout {
  std::vector<std::string> types;                                  // FloorPlanN-objects.json
  std::vector<std::pair<std::string, std::array<double, 4>>> poses;  // FloorPlanN-openable.json
};

std::string receptacleTypeOf(const std::string& id) {
  if (id.size() > 10 && id.ends_with("|SinkBasin")) return "SinkBasin";
  if (id.size() > 13 && id.ends_with("|BathtubBasin")) return "BathtubBasin";
  return id.substr(0, id.find('|'));
}

std::string poseLocation(const std::array<double, 4>& p) {
  const long x = std::lround(p[0] / 0.25), z = std::lround(p[1] / 0.25);
  const long rot = std::lround(p[2] / 90.0) % 4, horizon = std::lround(p[3]);
  return "loc|" + std::to_string(x) + "|" + std::to_string(z) + "|" + std::to_string(rot) + "|" + std::to_string(horizon);
}

class SceneGenerator {
 public:
  SceneGenerator(const AlfworldPackage& pkg, std::string task_type, int scene, const Layout& layout, Rng& rng)
      : pkg_(pkg), type_(std::move(task_type)), scene_(scene), layout_(layout), rng_(rng) {
    for (const auto& [r, objs] : pkg_.receptacle_objects)
      if (!contains(pkg_.movable_receptacles, r)) static_receptacles_.push_back(r);
  }

  // Builds a game; false when this scene cannot host the task (another scene is tried).
  bool build(GeneratedGame& out) {
    placeReceptacles();
    if (!chooseTask()) return false;
    if (!placeObjects()) return false;
    const std::string task_text = taskText();
    const std::string problem = problemText();
    out.hash = fnv64(problem);
    std::string grammar = pkg_.grammar;
    const std::size_t at = grammar.find("UNKNOWN GOAL");
    if (at == std::string::npos) throw Error(StatusCode::kInvalidArgument, pkg_.root + ": alfred.twl2 has no 'UNKNOWN GOAL' placeholder for the task text");
    grammar.replace(at, 12, task_text);
    if (!expert(pkg_.domain, grammar, problem, out.walkthrough)) return false;
    nlohmann::json game = {{"pddl_domain", pkg_.domain}, {"grammar", grammar}, {"pddl_problem", problem}, {"solvable", true}, {"walkthrough", out.walkthrough}};
    nlohmann::json traj = {
        {"task_id", "spur_" + out.hash},
        {"task_type", type_},
        {"pddl_params", {{"object_target", object_}, {"parent_target", parent_}, {"toggle_target", toggle_}, {"mrecep_target", ""}, {"object_sliced", false}}},
        {"scene", {{"floor_plan", "FloorPlan" + std::to_string(scene_)}, {"scene_num", scene_}}},
        {"turk_annotations", {{"anns", nlohmann::json::array()}}},
        {"task_desc", task_text},
        {"problem_hash", out.hash},
        {"generator", "spur alfworld-generate"}};
    out.task_type = type_;
    out.directory = type_ + "-" + object_ + "-None-" + (type_ == "look_at_obj_in_light" ? toggle_ : parent_) + "-" + std::to_string(scene_) + "/trial_" + out.hash;
    out.game_json = game.dump(1);
    out.traj_json = traj.dump(1);
    return true;
  }

 private:
  bool present(const std::string& type) const { return contains(layout_.types, type); }
  bool holds(const std::string& rtype, const std::string& otype) const {
    auto it = pkg_.receptacle_objects.find(rtype);
    return it != pkg_.receptacle_objects.end() && contains(it->second, otype);
  }
  bool can(const char* ability, const std::string& otype) const {
    auto it = pkg_.action_objects.find(ability);
    return it != pkg_.action_objects.end() && contains(it->second, otype);
  }
  std::vector<int> receptaclesOfType(const std::string& t) const {
    std::vector<int> out;
    for (int i = 0; i < static_cast<int>(receptacles_.size()); ++i)
      if (receptacles_[i].type == t) out.push_back(i);
    return out;
  }
  std::string newId(const std::string& type) {
    std::uniform_real_distribution<double> d(-3.0, 3.0);
    while (true) {
      std::string id = type + "|" + coord(d(rng_)) + "|" + coord(std::abs(d(rng_)) / 2) + "|" + coord(d(rng_));
      if (used_ids_.insert(id).second) return id;
    }
  }
  std::string newLocation() {
    std::uniform_int_distribution<int> xz(-9, 9), rot(0, 3);
    static const int kHorizons[] = {0, 15, 30, 45, 60};
    return "loc|" + std::to_string(xz(rng_)) + "|" + std::to_string(xz(rng_)) + "|" + std::to_string(rot(rng_)) + "|" +
           std::to_string(kHorizons[std::uniform_int_distribution<int>(0, 4)(rng_)]);
  }

  void placeReceptacles() {
    std::set<std::string> with_pose;
    for (const auto& [id, pose] : layout_.poses) {
      const std::string t = receptacleTypeOf(id);
      if (!contains(static_receptacles_, t)) continue;
      receptacles_.push_back({id, t, poseLocation(pose)});
      used_ids_.insert(id);
      with_pose.insert(t);
    }
    // Receptacle types the room has but the layout gives no position for (stove burners,
    // toasters, coffee machines, garbage cans): instances at positions of their own; stove
    // burners come in pairs sharing a spot, as in AI2-THOR kitchens.
    for (const auto& t : layout_.types) {
      if (!contains(static_receptacles_, t) || with_pose.count(t)) continue;
      if (t == "StoveBurner") {
        for (int pair = 0; pair < 2; ++pair) {
          const std::string loc = newLocation();
          for (int k = 0; k < 2; ++k) receptacles_.push_back({newId(t), t, loc});
        }
      } else {
        receptacles_.push_back({newId(t), t, newLocation()});
      }
    }
    std::set<std::string> taken;
    for (const auto& r : receptacles_) taken.insert(r.loc);
    do start_ = newLocation();
    while (taken.count(start_));
  }

  std::vector<std::string> pickableTypes() const {
    std::vector<std::string> out;
    for (const auto& t : layout_.types) {
      if (contains(static_receptacles_, t) || t == "DeskLamp" || t == "FloorLamp") continue;
      bool placeable = false;
      for (const auto& [r, objs] : pkg_.receptacle_objects) placeable = placeable || (contains(objs, t) && !receptaclesOfType(r).empty());
      if (placeable) out.push_back(t);
    }
    return out;
  }

  bool chooseTask() {
    const auto pickable = pickableTypes();
    std::vector<std::pair<std::string, std::string>> combos;  // (object, parent)
    if (type_ == "look_at_obj_in_light") {
      static const std::vector<std::string> kLampHolders{"Desk", "SideTable", "Dresser", "Shelf", "DiningTable", "CoffeeTable", "TVStand", "Ottoman"};
      std::vector<std::string> lamps;
      for (const char* l : {"DeskLamp", "FloorLamp"})
        if (present(l)) lamps.push_back(l);
      std::vector<std::string> holders;
      for (const auto& h : kLampHolders)
        if (!receptaclesOfType(h).empty()) holders.push_back(h);
      if (lamps.empty() || holders.empty() || pickable.empty()) return false;
      toggle_ = pick(lamps, rng_);
      parent_ = pick(holders, rng_);
      object_ = pick(pickable, rng_);
      return true;
    }
    const char* ability = type_ == "pick_clean_then_place_in_recep"  ? "Cleanable"
                          : type_ == "pick_heat_then_place_in_recep" ? "Heatable"
                          : type_ == "pick_cool_then_place_in_recep" ? "Coolable"
                                                                     : nullptr;
    const char* appliance = type_ == "pick_clean_then_place_in_recep"  ? "SinkBasin"
                            : type_ == "pick_heat_then_place_in_recep" ? "Microwave"
                            : type_ == "pick_cool_then_place_in_recep" ? "Fridge"
                                                                       : nullptr;
    if (appliance && receptaclesOfType(appliance).empty()) return false;
    for (const auto& o : pickable) {
      if (ability && !can(ability, o)) continue;
      for (const auto& r : static_receptacles_) {
        if (receptaclesOfType(r).empty() || !holds(r, o)) continue;
        if (appliance && r == appliance) continue;  // "clean some sponge and put it in sinkbasin" is no task
        // The object must also fit somewhere else, to start away from the goal.
        bool elsewhere = false;
        for (const auto& other : static_receptacles_) elsewhere = elsewhere || (other != r && holds(other, o) && !receptaclesOfType(other).empty());
        if (elsewhere) combos.push_back({o, r});
      }
    }
    if (combos.empty()) return false;
    const auto& c = pick(combos, rng_);
    object_ = c.first;
    parent_ = c.second;
    return true;
  }

  bool placeObjects() {
    for (const auto& t : pickableTypes()) {
      int count = std::uniform_int_distribution<int>(1, 3)(rng_);
      if (t == object_ && type_ == "pick_two_obj_and_place") count = std::max(count, 2);
      std::vector<int> spots;
      for (int i = 0; i < static_cast<int>(receptacles_.size()); ++i) {
        const auto& r = receptacles_[i];
        if (!holds(r.type, t)) continue;
        // Targets start away from the goal receptacle type.
        if (t == object_ && type_ != "look_at_obj_in_light" && r.type == parent_) continue;
        spots.push_back(i);
      }
      if (spots.empty()) {
        if (t == object_) return false;
        continue;
      }
      for (int k = 0; k < count; ++k) objects_.push_back({newId(t), t, pick(spots, rng_)});
    }
    if (type_ == "look_at_obj_in_light") {
      const auto holders = receptaclesOfType(parent_);
      objects_.push_back({newId(toggle_), toggle_, pick(holders, rng_)});
    }
    return true;
  }

  std::string taskText() {
    const auto& templates = pkg_.goals.at(type_).templates;
    std::string t = pick(templates, rng_);
    auto fill = [&](const std::string& key, const std::string& value) {
      for (std::size_t p = t.find(key); p != std::string::npos; p = t.find(key, p + value.size())) t.replace(p, key.size(), value);
    };
    fill("{obj}", lower(object_));
    fill("{recep}", lower(parent_));
    fill("{toggle}", lower(toggle_));
    return t;
  }

  std::string problemText() const {
    std::ostringstream p;
    p << "(define (problem plan_" << type_ << "_" << scene_ << ")\n(:domain alfred)\n(:objects\nagent1 - agent\n";
    for (const auto& t : pkg_.objects)
      if (!contains(static_receptacles_, t)) p << t << "Type - otype\n";
    for (const auto& t : static_receptacles_) p << t << "Type - rtype\n";
    for (const auto& o : objects_) p << mangle(o.id) << " - object\n";
    for (const auto& r : receptacles_) p << mangle(r.id) << " - receptacle\n";
    std::set<std::string> locs{start_};
    for (const auto& r : receptacles_) locs.insert(r.loc);
    for (const auto& l : locs) p << mangle(l) << " - location\n";
    p << ")\n(:init\n";
    for (const auto& r : receptacles_) p << "(receptacleType " << mangle(r.id) << " " << r.type << "Type)\n";
    for (const auto& o : objects_) p << "(objectType " << mangle(o.id) << " " << o.type << "Type)\n";
    std::set<std::string> rtypes, otypes;
    for (const auto& r : receptacles_) rtypes.insert(r.type);
    for (const auto& o : objects_) otypes.insert(o.type);
    for (const auto& rt : rtypes)
      for (const auto& ot : otypes)
        if (holds(rt, ot)) p << "(canContain " << rt << "Type " << ot << "Type)\n";
    for (const auto& o : objects_) {
      const std::string id = mangle(o.id);
      if (o.type != "DeskLamp" && o.type != "FloorLamp") p << "(pickupable " << id << ")\n";
      if (contains(pkg_.movable_receptacles, o.type)) p << "(isReceptacleObject " << id << ")\n";
      if (can("Cleanable", o.type)) p << "(cleanable " << id << ")\n";
      if (can("Heatable", o.type)) p << "(heatable " << id << ")\n";
      if (can("Coolable", o.type)) p << "(coolable " << id << ")\n";
      if (can("Toggleable", o.type)) p << "(toggleable " << id << ")\n";
      if (can("Sliceable", o.type)) p << "(sliceable " << id << ")\n";
    }
    for (const auto& r : receptacles_)
      if (contains(pkg_.openable, r.type)) p << "(openable " << mangle(r.id) << ")\n";
    p << "(atLocation agent1 " << mangle(start_) << ")\n";
    for (const auto& o : objects_) {
      const auto& r = receptacles_[static_cast<std::size_t>(o.receptacle)];
      p << "(inReceptacle " << mangle(o.id) << " " << mangle(r.id) << ")\n";
      p << "(objectAtLocation " << mangle(o.id) << " " << mangle(r.loc) << ")\n";
    }
    for (const auto& r : receptacles_) p << "(receptacleAtLocation " << mangle(r.id) << " " << mangle(r.loc) << ")\n";
    p << ")\n";
    std::string goal = pkg_.goals.at(type_).pddl;
    std::replace(goal.begin(), goal.end(), '#', '-');
    for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{{"{obj}", object_}, {"{recep}", parent_}, {"{toggle}", toggle_}})
      for (std::size_t at = goal.find(key); at != std::string::npos; at = goal.find(key, at + value.size())) goal.replace(at, key.size(), value);
    p << goal << "\n";  // goal_library's text closes the (define ...)
    return p.str();
  }

  // A scripted expert, played in spur's engine; true when its commands win.
  bool expert(const std::string& domain, const std::string& grammar, const std::string& problem, std::vector<std::string>& commands) {
    auto game = std::make_shared<GameDefinition>(domain, grammar, problem, "generated game", NameStyle::kAlfred);
    GameSession s(game);
    s.reset();
    if (s.won()) return false;  // the goal must not hold at reset
    const GroundTask& t = game->task();
    auto name = [&](const std::string& alfred_id) {
      const int o = t.objectId(lower(mangle(alfred_id)));
      return o < 0 ? std::string() : game->entities()[static_cast<std::size_t>(o)].name;
    };
    std::string here = start_;
    std::set<int> opened;
    auto play = [&](const std::string& c) {
      const auto& adm = s.admissibleCommands();
      if (!std::binary_search(adm.begin(), adm.end(), c)) return false;
      s.step(c);
      commands.push_back(c);
      return true;
    };
    auto goTo = [&](int r) {
      if (receptacles_[static_cast<std::size_t>(r)].loc == here) return true;
      if (!play("go to " + name(receptacles_[static_cast<std::size_t>(r)].id))) return false;
      here = receptacles_[static_cast<std::size_t>(r)].loc;
      return true;
    };
    auto openIfNeeded = [&](int r) {
      if (!contains(pkg_.openable, receptacles_[static_cast<std::size_t>(r)].type) || opened.count(r)) return true;
      opened.insert(r);
      return play("open " + name(receptacles_[static_cast<std::size_t>(r)].id));
    };
    auto take = [&](const Object& o) {
      return goTo(o.receptacle) && openIfNeeded(o.receptacle) && play("take " + name(o.id) + " from " + name(receptacles_[static_cast<std::size_t>(o.receptacle)].id));
    };
    auto put = [&](const Object& o, int r) {
      if (!goTo(r) || !openIfNeeded(r)) return false;
      const std::string on = name(o.id), rn = name(receptacles_[static_cast<std::size_t>(r)].id);
      return play("move " + on + " to " + rn) || play("put " + on + " in/on " + rn);
    };
    std::vector<const Object*> targets;
    for (const auto& o : objects_)
      if (o.type == object_) targets.push_back(&o);
    if (targets.empty()) return false;
    std::shuffle(targets.begin(), targets.end(), rng_);
    bool ok = true;
    if (type_ == "look_at_obj_in_light") {
      const Object* lamp = nullptr;
      for (const auto& o : objects_)
        if (o.type == toggle_) lamp = &o;
      ok = lamp && take(*targets[0]) && goTo(lamp->receptacle) && play("use " + name(lamp->id));
    } else {
      const auto goal_receptacles = receptaclesOfType(parent_);
      const int goal = pick(goal_receptacles, rng_);
      const std::size_t n = type_ == "pick_two_obj_and_place" ? 2 : 1;
      if (targets.size() < n) return false;
      for (std::size_t k = 0; k < n && ok; ++k) {
        ok = take(*targets[k]);
        if (ok && (type_ == "pick_clean_then_place_in_recep" || type_ == "pick_heat_then_place_in_recep" || type_ == "pick_cool_then_place_in_recep")) {
          const char* appliance = type_ == "pick_clean_then_place_in_recep" ? "SinkBasin" : type_ == "pick_heat_then_place_in_recep" ? "Microwave" : "Fridge";
          const char* verb = type_ == "pick_clean_then_place_in_recep" ? "clean " : type_ == "pick_heat_then_place_in_recep" ? "heat " : "cool ";
          const int a = receptaclesOfType(appliance).front();
          ok = goTo(a) && play(verb + name(targets[k]->id) + " with " + name(receptacles_[static_cast<std::size_t>(a)].id));
        }
        ok = ok && put(*targets[k], goal);
      }
    }
    return ok && s.won();
  }

  const AlfworldPackage& pkg_;
  std::string type_;
  int scene_;
  const Layout& layout_;
  Rng& rng_;
  std::vector<std::string> static_receptacles_;
  std::vector<Receptacle> receptacles_;
  std::vector<Object> objects_;
  std::set<std::string> used_ids_;
  std::string start_, object_, parent_, toggle_;
};

const Layout& layoutOf(const AlfworldPackage& pkg, int scene, std::map<int, Layout>& cache) {
  auto it = cache.find(scene);
  if (it != cache.end()) return it->second;
  Layout l;
  const fs::path base = fs::path(pkg.layouts) / ("FloorPlan" + std::to_string(scene));
  auto read = [](const fs::path& p) {
    std::ifstream in(p);
    if (!in) throw Error(StatusCode::kNotFound, p.string() + ": missing scene layout file");
    try {
      return nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
      throw Error(StatusCode::kInvalidArgument, p.string() + ": " + e.what());
    }
  };
  // nlohmann's type errors name no file; each file's conversion turns them into ours.
  const fs::path types_file = base.string() + "-objects.json", poses_file = base.string() + "-openable.json";
  auto convert = [](const fs::path& file, const char* expected, const std::function<void()>& f) {
    try {
      f();
    } catch (const nlohmann::json::exception& e) {
      throw Error(StatusCode::kInvalidArgument, file.string() + ": expected " + expected + ": " + e.what());
    }
  };
  const nlohmann::json types = read(types_file);
  convert(types_file, "a list of object type names", [&] {
    for (const auto& t : types.get_ref<const nlohmann::json::array_t&>()) l.types.push_back(t.get<std::string>());
  });
  const nlohmann::json poses = read(poses_file);
  convert(poses_file, "an object of receptacle id -> [x, z, rotation, horizon]", [&] {
    for (const auto& [id, pose] : poses.get_ref<const nlohmann::json::object_t&>()) {
      std::array<double, 4> p{};
      for (std::size_t k = 0; k < 4 && k < pose.size(); ++k) p[k] = pose.at(k).get<double>();
      l.poses.push_back({id, p});
    }
  });
  return cache.emplace(scene, std::move(l)).first->second;
}

}  // namespace

AlfworldPackage loadAlfworldPackage(const std::string& python_in) {
  std::string python = python_in;
  if (python.empty()) {
    if (const char* p = std::getenv("SPUR_PYTHON"); p && *p) python = p;
    else if (fs::exists(SPUR_DEFAULT_PYTHON)) python = SPUR_DEFAULT_PYTHON;
    else python = "python3";
  }
  SubprocessResult r;
  const Status st = runSubprocess({python, SPUR_ALFWORLD_PACKAGE_SCRIPT}, &r);
  if (!st.isOk()) throw Error(StatusCode::kNotFound, "cannot read the alfworld package with " + python + ": " + st.message() + " (`./spur build` installs alfworld==0.4.2 into .venv)");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(r.output);
  } catch (const nlohmann::json::exception& e) {
    throw Error(StatusCode::kInternal, std::string("alfworld_package.py printed no JSON: ") + e.what());
  }
  AlfworldPackage pkg;
  // Field by field, so that a missing key or a wrong type names the key (nlohmann's own
  // exceptions name none, and would escape as something other than an Error).
  const char* key = "";
  try {
    auto field = [&](const char* k, auto& out) {
      key = k;
      out = j.at(k).get<std::remove_reference_t<decltype(out)>>();
    };
    field("root", pkg.root);
    field("domain", pkg.domain);
    field("grammar", pkg.grammar);
    field("layouts", pkg.layouts);
    field("objects", pkg.objects);
    field("movable_receptacles", pkg.movable_receptacles);
    field("openable", pkg.openable);
    field("receptacle_objects", pkg.receptacle_objects);
    field("action_objects", pkg.action_objects);
    field("scene_types", pkg.scene_types);
    field("goals_valid", pkg.goals_valid);
    key = "goals";
    for (const auto& [k, v] : j.at("goals").items()) pkg.goals[k] = {v.at("pddl").get<std::string>(), v.at("templates").get<std::vector<std::string>>()};
  } catch (const nlohmann::json::exception& e) {
    throw Error(StatusCode::kInternal, std::string("alfworld_package.py printed a bad \"") + key + "\": " + e.what());
  }
  return pkg;
}

std::vector<GeneratedGame> generateAlfworldGames(const AlfworldPackage& pkg, const GenerateOptions& o, const std::function<void(int64_t, int64_t)>& progress) {
  const std::vector<std::string>& all = alfworldTaskTypes();
  const std::vector<std::string> types = o.task_types.empty() ? all : o.task_types;
  for (const auto& t : types)
    if (!contains(all, t) || !pkg.goals.count(t)) throw Error(StatusCode::kInvalidArgument, "--task-types: unknown task type '" + t + "' (valid: " + config::detail::join(all) + ")");
  if (o.split != "train" && o.split != "valid_seen" && o.split != "valid_unseen")
    throw Error(StatusCode::kInvalidArgument, "--split: expected train, valid_seen or valid_unseen, got '" + o.split + "'");
  const bool unseen = o.split == "valid_unseen";
  std::map<int, Layout> layouts;
  std::vector<GeneratedGame> games;
  std::set<std::string> hashes = o.exclude_hashes;
  for (int64_t i = 0; i < o.games; ++i) {
    const std::string& type = types[static_cast<std::size_t>(i) % types.size()];
    std::vector<int> scenes;
    auto rooms = pkg.goals_valid.find(type);
    if (rooms != pkg.goals_valid.end())
      for (const auto& room : rooms->second)
        if (auto of = pkg.scene_types.find(room); of != pkg.scene_types.end())
          for (int s : of->second)
            if ((s % 10 == 5) == unseen) scenes.push_back(s);
    if (scenes.empty()) throw Error(StatusCode::kInvalidArgument, pkg.root + ": no scene of the " + o.split + " split hosts " + type + " games");
    bool made = false;
    for (int attempt = 0; attempt < 200 && !made; ++attempt) {
      Rng rng(o.seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(i) * 1000003ull + static_cast<uint64_t>(attempt) + (o.split == "valid_seen" ? 0x5EE17ull : 0));
      const int scene = pick(scenes, rng);
      GeneratedGame g;
      SceneGenerator gen(pkg, type, scene, layoutOf(pkg, scene, layouts), rng);
      if (!gen.build(g) || hashes.count(g.hash)) continue;
      hashes.insert(g.hash);
      games.push_back(std::move(g));
      made = true;
    }
    if (!made) throw Error(StatusCode::kInternal, "could not generate a " + type + " game in 200 attempts (seed " + std::to_string(o.seed) + ", game " + std::to_string(i) + ")");
    if (progress) progress(i + 1, o.games);
  }
  return games;
}

std::set<std::string> existingProblemHashes(const std::string& dir) {
  std::set<std::string> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw Error(StatusCode::kNotFound, "--exclude-dir '" + dir + "' is not a directory");
  for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->path().filename() != "traj_data.json") continue;
    std::ifstream in(it->path());
    try {
      const auto j = nlohmann::json::parse(in);
      if (j.contains("problem_hash")) out.insert(j["problem_hash"].get<std::string>());
    } catch (const nlohmann::json::exception&) {
      continue;  // not one of ours
    }
  }
  return out;
}

}  // namespace spur::alfworld
