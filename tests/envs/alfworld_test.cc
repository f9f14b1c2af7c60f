// The ALFWorld engine's named behaviours (each also covered by the golden transcripts), the
// Env adapter, the generator, and bad input.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "core/status.h"
#include "envs/alfworld/alfworld_env.h"
#include "envs/alfworld/game.h"
#include "envs/alfworld/generator.h"
#include "envs/text/text_tokens.h"

namespace fs = std::filesystem;
using namespace spur;
using namespace spur::alfworld;

namespace {

const fs::path kGames = fs::path(SPUR_TEST_REPO) / "tests/data/alfworld/games";

std::shared_ptr<const GameDefinition> game(const std::string& dir, NameStyle names = NameStyle::kAlfred) {
  return GameDefinition::load((kGames / dir / "game.tw-pddl").string(), names);
}

bool admissible(const GameSession& s, const std::string& c) {
  const auto& a = s.admissibleCommands();
  return std::find(a.begin(), a.end(), c) != a.end();
}

// A game file whose field `key` has `from` replaced by `to`.
fs::path mutatedGame(const std::string& dir, const std::string& key, const std::string& from, const std::string& to, const std::string& name) {
  std::ifstream in(kGames / dir / "game.tw-pddl");
  auto j = nlohmann::json::parse(in);
  std::string text = j[key].get<std::string>();
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  j[key] = text;
  const fs::path out = fs::temp_directory_path() / ("spur-alfworld-" + name + ".tw-pddl");
  std::ofstream(out) << j.dump();
  return out;
}

std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("alfworld engine: an invalid command is 'Nothing happens.' and changes nothing, moves included") {
  GameSession s(game("clean_mug_fp1"));
  s.reset();
  const auto before = s.admissibleCommands();
  bool valid = true;
  CHECK(s.step("dance with the mug", &valid) == "Nothing happens.");
  CHECK_FALSE(valid);
  CHECK(s.admissibleCommands() == before);
  CHECK(s.moves() == 0);
  // Input is stripped, then matched exactly (case-sensitive).
  CHECK(s.step("  look \n") != "Nothing happens.");
  CHECK(s.moves() == 1);
  CHECK(s.step("LOOK") == "Nothing happens.");
}

TEST_CASE("alfworld engine: look, inventory and help") {
  GameSession s(game("shared_loc"));
  s.reset();
  CHECK(s.step("look") == "You are in the middle of a room. Looking quickly around you, you see nothing.");
  CHECK(s.step("inventory") == "You are not carrying anything.");
  const std::string help = s.step("help");
  CHECK(help.rfind("Available commands:\n  look:", 0) == 0);  // TatSu drops the rule's leading newline
  CHECK(help.back() == '\n');
  s.step("go to stoveburner 3");
  s.step("take pot 1 from stoveburner 3");
  CHECK(s.step("inventory") == "You are carrying: a pot 1.");
}

TEST_CASE("alfworld engine: receptacles sharing a location (the planner's go-to quirk)") {
  GameSession s(game("shared_loc"));
  s.reset();
  CHECK(s.step("go to stoveburner 3") == "You arrive at stoveburner 3. On the stoveburner 3, you see a pot 1.");
  CHECK_FALSE(admissible(s, "go to stoveburner 2"));  // same location: never offered
  CHECK(admissible(s, "examine stoveburner 2"));
  CHECK(s.step("go to stoveburner 2") == "Nothing happens.");
  CHECK(s.step("look") == "You are facing the stoveburner 3, and stoveburner 2. Next to it, you see nothing.");
  s.step("take pot 1 from stoveburner 3");
  s.step("move pot 1 to stoveburner 2");
  // not_inreceptacle(pot, stoveburner 3) was deleted by the take: "Next to it" lists the pot.
  CHECK(s.step("look") == "You are facing the stoveburner 3, and stoveburner 2. Next to it, you see a pot 1.");
}

TEST_CASE("alfworld engine: closed containers hide and refuse their contents until opened") {
  GameSession s(game("look_cd_fp301"));
  s.reset();
  CHECK(s.step("go to drawer 1") == "You arrive at drawer 1. The drawer 1 is closed.");
  CHECK_FALSE(admissible(s, "take cd 4 from drawer 1"));
  CHECK(s.step("take cd 4 from drawer 1") == "Nothing happens.");
  CHECK(s.step("open drawer 1") == "You open the drawer 1. The drawer 1 is open. In it, you see a cd 4.");
  CHECK(admissible(s, "take cd 4 from drawer 1"));
  CHECK(s.step("close drawer 1") == "You close the drawer 1.");
  CHECK_FALSE(admissible(s, "take cd 4 from drawer 1"));
}

TEST_CASE("alfworld engine: both grammar generations come from the game file") {
  // Before alfworld 0.4.0: "You arrive at loc N", "put X in/on Y", no help.
  GameSession old(game("heat_apple_fp1_oldlogic"));
  old.reset();
  CHECK_FALSE(admissible(old, "help"));
  CHECK(old.step("go to countertop 1").rfind("You arrive at loc ", 0) == 0);
  old.step("take apple 1 from countertop 1");
  CHECK(admissible(old, "put apple 1 in/on countertop 1"));
  CHECK(old.step("put apple 1 in/on countertop 1") == "You put the apple 1 in/on the countertop 1.");
  // From 0.4.0: "You arrive at countertop 1.", "move X to Y", help.
  GameSession now(game("shared_loc"));
  now.reset();
  CHECK(admissible(now, "help"));
  CHECK(now.step("go to countertop 1").rfind("You arrive at countertop 1. ", 0) == 0);
  now.step("take apple 1 from countertop 1");
  CHECK(admissible(now, "move apple 1 to countertop 1"));
  CHECK_FALSE(admissible(now, "put apple 1 in/on countertop 1"));
}

TEST_CASE("alfworld engine: names as AlfredDemangler shows them, or the PDDL ids") {
  auto g = game("textworld_sample", NameStyle::kIds);
  GameSession s(g);
  CHECK(s.reset().find("you see a bed, a desk, a drawer") != std::string::npos);
  // Ids without "_bar_" get a trailing space under alfred names: no stripped command matches.
  GameSession t(game("textworld_sample"));
  t.reset();
  CHECK(admissible(t, "go to desk "));
  CHECK(t.step("go to desk ") == "Nothing happens.");
}

TEST_CASE("alfworld engine: a walkthrough wins, score = won, and the goal is false at reset") {
  for (const char* dir : {"generated_pick_and_place_simple", "generated_look_at_obj_in_light", "generated_pick_clean_then_place_in_recep",
                          "generated_pick_heat_then_place_in_recep", "generated_pick_cool_then_place_in_recep", "generated_pick_two_obj_and_place"}) {
    auto g = game(dir);
    INFO(dir);
    REQUIRE_FALSE(g->walkthrough().empty());
    CHECK(g->solvable());
    GameSession s(g);
    s.reset();
    CHECK_FALSE(s.won());
    for (const auto& c : g->walkthrough()) {
      bool valid = false;
      s.step(c, &valid);
      CHECK(valid);
    }
    CHECK(s.won());
  }
}

TEST_CASE("alfworld bad input: errors name the file and the construct") {
  const std::string dir = "clean_mug_fp1";
  CHECK(errorOf([] { GameDefinition::load("/nonexistent/game.tw-pddl"); }).find("/nonexistent/game.tw-pddl: cannot read") != std::string::npos);

  const fs::path not_json = fs::temp_directory_path() / "spur-alfworld-notjson.tw-pddl";
  std::ofstream(not_json) << "{\"pddl_domain\": ";
  CHECK(errorOf([&] { GameDefinition::load(not_json.string()); }).find(not_json.string() + ": not a JSON game file") != std::string::npos);

  const fs::path no_field = fs::temp_directory_path() / "spur-alfworld-nofield.tw-pddl";
  std::ofstream(no_field) << R"({"pddl_domain": "", "grammar": ""})";
  CHECK(errorOf([&] { GameDefinition::load(no_field.string()); }).find("missing string field \"pddl_problem\"") != std::string::npos);

  // An unknown PDDL construct: a precondition with (either ...).
  const auto construct = mutatedGame(dir, "pddl_domain", "(atLocation ?a ?lStart)", "(either ?a ?lStart)", "construct");
  const std::string e1 = errorOf([&] { GameDefinition::load(construct.string()); });
  CHECK(e1.find(construct.string() + ": pddl_domain:") != std::string::npos);
  CHECK(e1.find("unsupported PDDL construct in a condition: (either ?a ?lstart)") != std::string::npos);

  // An unbalanced parenthesis: the line where it opened.
  const auto paren = mutatedGame(dir, "pddl_problem", "(:goal", "(:goal (", "paren");
  CHECK(errorOf([&] { GameDefinition::load(paren.string()); }).find("is never closed") != std::string::npos);

  // An undeclared predicate in the problem's init.
  const auto pred = mutatedGame(dir, "pddl_problem", "(receptacleType ", "(receptacleKind ", "pred");
  CHECK(errorOf([&] { GameDefinition::load(pred.string()); }).find("undeclared predicate 'receptaclekind'") != std::string::npos);

  // A grammar symbol that no rule defines.
  const auto symbol = mutatedGame(dir, "grammar", "#examineReceptacle.feedback#\"", "#noSuchRule#\"", "symbol");
  const std::string e2 = errorOf([&] { GameDefinition::load(symbol.string()); });
  CHECK(e2.find(symbol.string() + ": grammar") != std::string::npos);
  CHECK(e2.find("symbol '#noSuchRule#' has no rule in the grammar") != std::string::npos);

  // An expression attribute TextWorld's entities do not have.
  const auto attr = mutatedGame(dir, "grammar", "{r.name}. #examineReceptacle", "{r.colour}. #examineReceptacle", "attr");
  CHECK(errorOf([&] { GameDefinition::load(attr.string()); }).find("unsupported attribute 'r.colour'") != std::string::npos);
}

TEST_CASE("alfworld grounding: atom keys of 4-ary predicates and object ids past 2048 never collide") {
  // (rel o0 o0 o0 o0), (rel o1 o0 o0 o0) and (rel o0 o0 o0 o2048) are three atoms; a packed
  // key that keeps the arity in 2 bits or lets the fourth id overflow 64 bits merges them.
  const Domain d = parseDomain(
      "(define (domain quad) (:requirements :typing) (:types thing)"
      " (:predicates (rel ?a - thing ?b - thing ?c - thing ?d - thing) (done))"
      " (:action link :parameters (?a - thing ?b - thing ?c - thing ?d - thing)"
      "  :precondition (rel ?a ?b ?c ?d) :effect (done)))",
      "quad domain");
  std::string objects, init = "(rel o0 o0 o0 o0) (rel o1 o0 o0 o0) (rel o0 o0 o0 o2048)";
  for (int i = 0; i <= 2048; ++i) objects.append("o").append(std::to_string(i)).append(" ");
  const Problem p = parseProblem("(define (problem q) (:domain quad) (:objects " + objects + "- thing) (:init " + init +
                                     ") (:goal (and (done) (rel o1 o1 o1 o1))))",
                                 "quad problem");
  const GroundTask t(d, p, "quad");
  REQUIRE(t.atomsOf("rel").size() == 3);
  std::set<std::vector<int>> args;
  for (int atom : t.atomsOf("rel")) {
    args.insert(t.atomArgs(atom));
    CHECK(t.initialTruth()[atom] == 1);
  }
  CHECK(args == std::set<std::vector<int>>{{0, 0, 0, 0}, {1, 0, 0, 0}, {0, 0, 0, 2048}});
  // (rel o1 o1 o1 o1) is not in :init, so the goal is false (not folded to an aliased atom).
  CHECK(t.goal().kind == Condition::Kind::kFalse);
  CHECK(t.operators().size() == 3);  // one `link` per true rel fact
}

TEST_CASE("alfworld bad input: deeply nested PDDL is an error naming the file and line, not a stack overflow") {
  std::string goal;
  for (int i = 0; i < 200000; ++i) goal += "(and ";
  goal += std::string(200000, ')');
  const std::string problem = std::string("(define (problem p) (:domain d)\n(:goal ") + goal + "))";
  const std::string e = errorOf([&] { parseProblem(problem, "deep.pddl: pddl_problem"); });
  CHECK(e.find("deep.pddl: pddl_problem:2: ") == 0);
  CHECK(e.find("nested deeper than") != std::string::npos);
  // The same for a domain's precondition; the limit leaves alfred's own nesting (10 levels) alone.
  const std::string domain = std::string("(define (domain d) (:predicates (p))\n(:action a :parameters () :precondition ") + goal + " :effect (p)))";
  CHECK(errorOf([&] { parseDomain(domain, "deep.pddl: pddl_domain"); }).find("nested deeper than") != std::string::npos);
  CHECK_NOTHROW(game("clean_mug_fp1"));

  // Grounding binds parameters and quantified variables one recursion level each: a list of
  // 100000 is refused by the parser.
  std::string params;
  for (int i = 0; i < 100000; ++i) params.append("?v").append(std::to_string(i)).append(" ");
  const std::string wide = std::string("(define (domain d) (:predicates (p))\n(:action a :parameters (") + params + ") :precondition (p) :effect (not (p))))";
  const std::string e2 = errorOf([&] {
    const Domain d = parseDomain(wide, "wide.pddl: pddl_domain");
    const GroundTask t(d, parseProblem("(define (problem q) (:domain d) (:objects o) (:init (p)) (:goal (not (p))))", "wide.pddl: pddl_problem"), "wide.pddl");
  });
  CHECK(e2.find("wide.pddl: pddl_domain:2: ") == 0);
  CHECK(e2.find("more than 32 variables") != std::string::npos);
}

TEST_CASE("alfworld bad input: a grammar rule that expands itself is an error naming the file and rule, not a stack overflow") {
  const std::string dir = "clean_mug_fp1";
  // Expanding itself with the same bindings loops in every state: refused at load.
  const auto self = mutatedGame(dir, "grammar", "\"You close the {r.name}.\"", "\"You close the {r.name}. #CloseObject.feedback#\"", "selfrule");
  const std::string e1 = errorOf([&] { GameDefinition::load(self.string()); });
  CHECK(e1.find(self.string() + ": grammar") == 0);
  CHECK(e1.find("grammar rule 'CloseObject.feedback' expands itself (CloseObject.feedback -> CloseObject.feedback)") != std::string::npos);
  // Through another rule: intro -> task -> intro.
  const auto cycle = mutatedGame(dir, "grammar", "\"Your task is to: clean some mug and put it in coffeemachine.\"", "\"#intro#\"", "cyclerule");
  CHECK(errorOf([&] { GameDefinition::load(cycle.string()); }).find("expands itself (intro -> task -> intro)") != std::string::npos);

  // Through a query ({#rule# | query} may bind new names, so it is not refused at load): the
  // expansion depth is bounded at render time, and the error names the rule.
  const auto deep = mutatedGame(dir, "grammar", "\"You close the {r.name}.\"",
                                "\"You close the {r.name}.{#CloseObject.feedback# | receptacleatlocation(r:receptacle, l:location)}\"", "deeprule");
  GameSession s(GameDefinition::load(deep.string()));
  s.reset();
  std::string opened;
  for (const auto& go : std::vector<std::string>(s.admissibleCommands())) {
    if (go.rfind("go to ", 0) != 0) continue;
    s.reset();
    s.step(go);
    if (admissible(s, "open " + go.substr(6))) {
      s.step("open " + go.substr(6));
      opened = go.substr(6);
      break;
    }
  }
  REQUIRE_FALSE(opened.empty());
  const std::string e2 = errorOf([&] { s.step("close " + opened); });
  CHECK(e2.find(deep.string() + ": grammar") == 0);
  CHECK(e2.find("grammar rule 'CloseObject.feedback' nests deeper than") != std::string::npos);

  // An expression in parentheses nested 100000 deep.
  const auto parens = mutatedGame(dir, "grammar", "{r.name}. #examineReceptacle", "{" + std::string(100000, '(') + "r.name" + std::string(100000, ')') + "}. #examineReceptacle", "parens");
  const std::string e3 = errorOf([&] { GameDefinition::load(parens.string()); });
  CHECK(e3.find(parens.string() + ": grammar") == 0);
  CHECK(e3.find("expression nested deeper than") != std::string::npos);

  // A query of 100000 atoms (matched one recursion level per atom).
  std::string atoms = "openable(r:receptacle)";
  for (int i = 0; i < 100000; ++i) atoms += " & openable(r:receptacle)";
  const auto wide = mutatedGame(dir, "grammar", "\"condition\": \"openable(r:receptacle) & opened(r:receptacle)\"", "\"condition\": \"" + atoms + "\"", "widequery");
  const std::string e4 = errorOf([&] {
    GameSession played(GameDefinition::load(wide.string()));
    played.reset();
    for (const auto& c : std::vector<std::string>(played.admissibleCommands()))
      if (c.rfind("go to ", 0) == 0) played.step(c);  // each arrival renders examineReceptacle.feedback
  });
  CHECK(e4.find(wide.string() + ": grammar") == 0);
  CHECK(e4.find("more than 32 predicates") != std::string::npos);

  // A grammar block nested a million deep is refused as the wrong shape, not copied recursively.
  const std::string nested = "grammar :: \"\"\"{\"intro\": " + std::string(1000000, '[') + std::string(1000000, ']') + "}\"\"\";";
  CHECK(errorOf([&] { TextGrammar::parse(nested, "nested.twl2"); }).find("nested.twl2: grammar rule 'intro': each alternative needs a string \"rhs\"") == 0);
}

TEST_CASE("alfworld env: candidates, mask, reward on the winning step, the step cap, invalid answers, metrics") {
  AlfworldOptions o;
  o.games = {(kGames / "generated_pick_heat_then_place_in_recep" / "game.tw-pddl").string()};
  o.max_steps = 50;
  AlfworldEnv env(o);
  CHECK(env.spec().actions.kind == ActionSpace::Kind::kCandidates);
  env.reset(7);
  CHECK(env.currentGame().task_type == "pick_heat_then_place_in_recep");
  const auto cands = env.candidates();
  CHECK(std::is_sorted(cands.begin(), cands.end()));
  const auto mask = env.actionMask();
  CHECK(std::count(mask.begin(), mask.end(), 1) == static_cast<long>(cands.size()));
  CHECK(std::string(env.message()).rfind("Task: heat some", 0) + std::string(env.message()).rfind("Task: put a hot", 0) != 2 * std::string::npos);
  // The walkthrough through candidate indices: reward 1 and done on the last step only.
  const auto walkthrough = env.session().game().walkthrough();
  for (std::size_t k = 0; k < walkthrough.size(); ++k) {
    const auto c = env.candidates();
    const auto it = std::find(c.begin(), c.end(), walkthrough[k]);
    REQUIRE(it != c.end());
    const StepResult r = env.step(it - c.begin());
    CHECK(r.done == (k + 1 == walkthrough.size()));
    CHECK(r.reward == (k + 1 == walkthrough.size() ? 1.0 : 0.0));
    if (r.done) CHECK(r.end_status == EndStatus::kTaskSuccessful);
  }
  const auto m = env.episodeMetrics();
  auto value = [&](const std::string& name) {
    for (const auto& x : m)
      if (x.name == name) return x.value;
    return -1.0;
  };
  CHECK(value("success/pick_heat_then_place_in_recep") == 1.0);
  CHECK(value("steps_to_success") == static_cast<double>(walkthrough.size()));

  // Invalid answers count as steps ("Nothing happens."), and the cap ends the episode.
  AlfworldOptions capped = o;
  capped.max_steps = 3;
  AlfworldEnv env2(capped);
  env2.reset(1);
  CHECK_FALSE(env2.stepInvalid().done);
  CHECK(std::string(env2.message()).find("Observation: Nothing happens.") != std::string::npos);
  CHECK_FALSE(env2.step(0).done);
  const StepResult last = env2.stepInvalid();
  CHECK(last.done);
  CHECK(last.truncated);
  CHECK(last.end_status == EndStatus::kTimeLimit);
  CHECK(endStatusName(last.end_status) == "TIME_LIMIT");
  bool found = false;
  for (const auto& x : env2.episodeMetrics())
    if (x.name == "invalid_actions") found = x.value == 2.0;
  CHECK(found);
  CHECK_THROWS_AS(env2.step(1000), Error);
}

TEST_CASE("alfworld env: more admissible commands than candidate slots is an error, never a silent cut") {
  AlfworldOptions o;
  o.games = {(kGames / "generated_pick_heat_then_place_in_recep" / "game.tw-pddl").string()};
  AlfworldEnv wide(o);
  wide.reset(0);
  const std::size_t n = wide.candidates().size();
  REQUIRE(n > 2);
  CHECK(n == wide.session().admissibleCommands().size());
  // With fewer slots than the reset's admissible commands the sorted tail (take/use/...) could
  // never be chosen: the env refuses instead of offering the first max_candidates.
  o.max_candidates = static_cast<int64_t>(n) - 1;
  AlfworldEnv narrow(o);
  const std::string e = errorOf([&] { narrow.reset(0); });
  CHECK(e.find(std::to_string(n) + " admissible commands") != std::string::npos);
  CHECK(e.find("generated_pick_heat_then_place_in_recep/game.tw-pddl") != std::string::npos);
  CHECK(e.find("env.alfworld.max_candidates (" + std::to_string(n - 1) + ")") != std::string::npos);
  o.max_candidates = static_cast<int64_t>(n);
  AlfworldEnv exact(o);
  CHECK_NOTHROW(exact.reset(0));
  // The default leaves room for the largest list measured over generated games (66).
  CHECK(AlfworldOptions{}.max_candidates >= 66);
}

TEST_CASE("alfworld env: a malformed game in the set is skipped, not fatal; no playable game is an error") {
  const fs::path dir = fs::temp_directory_path() / "spur-alfworld-mixed";
  fs::remove_all(dir);
  fs::create_directories(dir / "bad");
  fs::create_directories(dir / "good");
  std::ofstream(dir / "bad" / "game.tw-pddl") << "{ not json";
  fs::copy_file(kGames / "generated_pick_and_place_simple" / "game.tw-pddl", dir / "good" / "game.tw-pddl");
  AlfworldOptions o;
  o.data_dir = dir.string();
  AlfworldEnv env(o);
  for (uint64_t seed = 0; seed < 6; ++seed) {
    env.reset(seed);
    CHECK(env.currentGame().path.find("good") != std::string::npos);
  }
  fs::remove_all(dir / "good");
  AlfworldEnv bad_only(o);
  CHECK_THROWS_WITH_AS(bad_only.reset(0), doctest::Contains("no playable game"), Error);
  AlfworldOptions none;
  none.data_dir = (dir / "nowhere").string();
  CHECK_THROWS_WITH_AS(AlfworldEnv{none}, doctest::Contains("is not a directory"), Error);
  AlfworldOptions typo;
  typo.data_dir = dir.string();
  typo.task_types = {"pick_and_place"};
  CHECK_THROWS_WITH_AS(alfworldEnvSpec(typo), doctest::Contains("unknown task type 'pick_and_place'"), Error);
}

TEST_CASE("alfworld env: generate_games writes only into a new or empty directory, once") {
  const fs::path base = fs::temp_directory_path() / "spur-alfworld-prepare";
  fs::remove_all(base);
  fs::create_directories(base / "occupied");
  std::ofstream(base / "occupied" / "notes.txt") << "a user's file";
  AlfworldOptions o;
  o.generate_games = 6;
  o.data_dir = (base / "occupied").string();
  CHECK_THROWS_WITH_AS(prepareAlfworldGames(o), doctest::Contains("is not empty"), Error);
  CHECK(fs::exists(base / "occupied" / "notes.txt"));  // untouched
  fs::create_directories(base / "empty");
  o.data_dir = (base / "empty").string();
  prepareAlfworldGames(o);
  CHECK(findAlfworldGames(o).size() == 6);
  const auto first = fs::last_write_time(findAlfworldGames(o)[0].path);
  prepareAlfworldGames(o);  // already there: nothing regenerated
  CHECK(fs::last_write_time(findAlfworldGames(o)[0].path) == first);
  o.data_dir = (base / "new" / "train").string();
  prepareAlfworldGames(o);
  CHECK(findAlfworldGames(o).size() == 6);
  CHECK_FALSE(fs::exists(base / "new" / "train.partial"));
  fs::remove_all(base);
}

TEST_CASE("alfworld generator: solvable games of every type, goal false at reset, disjoint by seed") {
  const AlfworldPackage pkg = loadAlfworldPackage();
  GenerateOptions a;
  a.games = 12;
  a.seed = 1;
  GenerateOptions b = a;
  b.seed = 2;
  const auto ga = generateAlfworldGames(pkg, a), gb = generateAlfworldGames(pkg, b);
  REQUIRE(ga.size() == 12);
  std::set<std::string> types, hashes;
  for (const auto& g : ga) {
    types.insert(g.task_type);
    hashes.insert(g.hash);
    const auto j = nlohmann::json::parse(g.game_json);
    const auto traj = nlohmann::json::parse(g.traj_json);
    CHECK(traj["task_type"] == g.task_type);
    CHECK(j["solvable"] == true);
    auto def = std::make_shared<GameDefinition>(j["pddl_domain"].get<std::string>(), j["grammar"].get<std::string>(), j["pddl_problem"].get<std::string>(),
                                                g.directory, NameStyle::kAlfred);
    GameSession s(def);
    s.reset();
    CHECK_FALSE(s.won());
    CHECK(def->taskText().find("UNKNOWN GOAL") == std::string::npos);
    for (const auto& c : j["walkthrough"]) s.step(c.get<std::string>());
    CHECK(s.won());
  }
  CHECK(types.size() == 6);
  CHECK(hashes.size() == 12);
  for (const auto& g : gb) CHECK_FALSE(hashes.count(g.hash));
  // Held-out rooms: valid_unseen uses only FloorPlans whose number ends in 5.
  GenerateOptions u = a;
  u.split = "valid_unseen";
  u.games = 6;
  for (const auto& g : generateAlfworldGames(pkg, u)) {
    const auto traj = nlohmann::json::parse(g.traj_json);
    CHECK(traj["scene"]["scene_num"].get<int>() % 10 == 5);
  }
  // Excluded hashes are never emitted again (train vs eval directories).
  GenerateOptions again = a;
  again.exclude_hashes = hashes;
  for (const auto& g : generateAlfworldGames(pkg, again)) CHECK_FALSE(hashes.count(g.hash));
}

TEST_CASE("alfworld generator: wrong JSON types in the package or a layout are errors naming the file and key") {
  const fs::path dir = fs::temp_directory_path() / "spur-alfworld-badpackage";
  fs::remove_all(dir);
  fs::create_directories(dir);
  // alfworld_package.py's output with a number where a list of names belongs.
  const fs::path python = dir / "python";
  std::ofstream(python) << "#!/bin/sh\necho '{\"root\": \"r\", \"domain\": \"d\", \"grammar\": \"g\", \"layouts\": \"l\", \"objects\": 7}'\n";
  fs::permissions(python, fs::perms::owner_all);
  const std::string e1 = errorOf([&] { loadAlfworldPackage(python.string()); });
  CHECK(e1.find("alfworld_package.py") != std::string::npos);
  CHECK(e1.find("\"objects\"") != std::string::npos);

  // A scene layout whose object list holds a number.
  AlfworldPackage pkg;
  pkg.root = dir.string();
  pkg.layouts = dir.string();
  pkg.goals["pick_and_place_simple"] = {"(:goal (and))", {"put {obj} in {recep}"}};
  pkg.goals_valid["pick_and_place_simple"] = {"kitchens"};
  pkg.scene_types["kitchens"] = {1};
  std::ofstream(dir / "FloorPlan1-objects.json") << "[\"Apple\", 3]";
  std::ofstream(dir / "FloorPlan1-openable.json") << "{}";
  GenerateOptions o;
  o.games = 1;
  o.task_types = {"pick_and_place_simple"};
  const std::string e2 = errorOf([&] { generateAlfworldGames(pkg, o); });
  CHECK(e2.find((dir / "FloorPlan1-objects.json").string() + ": ") == 0);
  std::ofstream(dir / "FloorPlan1-objects.json") << "[\"Apple\"]";
  std::ofstream(dir / "FloorPlan1-openable.json") << "{\"Cabinet|1|2|3\": [0.5, \"high\", 0, 0]}";
  CHECK(errorOf([&] { generateAlfworldGames(pkg, o); }).find((dir / "FloorPlan1-openable.json").string() + ": ") == 0);
  // No room of the split for the task type (FloorPlan1 is not held out): an error, not a draw
  // from an empty list.
  o.split = "valid_unseen";
  CHECK(errorOf([&] { generateAlfworldGames(pkg, o); }).find("no scene of the valid_unseen split hosts pick_and_place_simple games") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("text tokens: words lowercased and hashed, padding zero, stable") {
  int32_t a[6], b[6];
  CHECK(hashTextTokens("Go to Cabinet 10.", a) == 4);
  CHECK(hashTextTokens("go to cabinet 10", b) == 4);
  CHECK(std::equal(a, a + 6, b));
  CHECK(a[4] == 0);
  CHECK(a[5] == 0);
  CHECK(a[2] != a[3]);
  for (int i = 0; i < 4; ++i) CHECK((a[i] > 0 && a[i] < kTextTokenSpace));
  // Words past the buffer are counted, not written: the caller sees the cut.
  int32_t c[2];
  CHECK(hashTextTokens("go to cabinet 10", c) == 4);
  CHECK(c[0] == a[0]);
  CHECK(c[1] == a[1]);
}

TEST_CASE("text observations: a cut text ends on a UTF-8 character boundary") {
  uint8_t out[4];
  auto text = [&] { return std::string(reinterpret_cast<const char*>(out), 4); };
  CHECK(copyTextObservation("abc\xC3\xA9", out));  // "abcé": é's lead byte would be the last one kept
  CHECK(text() == std::string("abc\0", 4));
  CHECK(copyTextObservation("ab\xE2\x82\xAC", out));  // "ab€": € straddles the cut after its 2nd byte
  CHECK(text() == std::string("ab\0\0", 4));
  CHECK(copyTextObservation("a\xF0\x9F\x98\x80", out));  // a 4-byte emoji after 'a'
  CHECK(text() == std::string("a\0\0\0", 4));
  CHECK_FALSE(copyTextObservation("ab\xC3\xA9", out));  // "abé" fits exactly
  CHECK(text() == "ab\xC3\xA9");
  CHECK(copyTextObservation("abcd\xC3\xA9", out));  // cut between two characters: nothing to drop
  CHECK(text() == "abcd");
}

TEST_CASE("alfworld env: feedback cut on a UTF-8 boundary, sized from the data, cuts counted per episode") {
  AlfworldOptions o;
  o.games = {"unread.tw-pddl"};
  const EnvSpec spec = alfworldEnvSpec(o);
  const int64_t bytes = spec.observations.at(1).shape.at(0), words = spec.observations.at(3).shape.at(0);
  // The longest feedback over 2 x 1,000 generated games is 911 bytes and 193 words
  // (`./spur bench alfworld_sizes`): the buffers hold them.
  CHECK(spec.observations.at(1).name == "feedback");
  CHECK(bytes >= 911);
  CHECK(words >= 193);
  // An intro whose 'é' straddles the byte budget: the whole character is dropped.
  std::string intro;
  while (static_cast<int64_t>(intro.size()) < bytes - 1) intro += "w ";
  intro.resize(static_cast<std::size_t>(bytes - 1));
  intro += "\xC3\xA9 and more words after the cut";
  const auto long_intro = mutatedGame("clean_mug_fp1", "grammar", "-= Welcome to TextWorld, ALFRED! =-", intro, "longintro");
  o.games = {long_intro.string()};
  AlfworldEnv env(o);
  env.reset(0);
  REQUIRE(env.session().feedback().size() > static_cast<std::size_t>(bytes));
  const TensorView feedback = env.observation(1);
  const auto* data = feedback.as<uint8_t>();
  CHECK(data[bytes - 2] == 'w');
  CHECK(data[bytes - 1] == 0);
  env.step(0);  // a short feedback: not cut
  double cut = -1;
  for (const auto& m : env.episodeMetrics())
    if (m.name == "truncated_text") cut = m.value;
  CHECK(cut == 1.0);
}
