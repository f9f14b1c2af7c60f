// An ALFWorld text game: a game.tw-pddl file compiled once (GameDefinition, immutable and
// shared between envs) and played (GameSession), with the observable behaviour of
// TextWorld's PddlEnv (+ alfworld's AlfredDemangler for names):
//  - reset(): the grammar's #intro#;
//  - admissible commands: the applicable ground operators rendered through their action's
//    template, deduplicated and sorted bytewise (Python's sorted(set(...)));
//  - step(command): the command, stripped of surrounding whitespace, must equal one of the
//    admissible commands exactly; then its operator is applied and the action's feedback
//    rule rendered. Anything else is "Nothing happens." and changes nothing (not even moves).
//  - won: the goal holds; score = won. No step limit here (the env adds ALFWorld's 50).
//
// Names: NameStyle::kAlfred is AlfredDemangler's: the id's text before the first "_bar_"
// (+ "basin" for sink/bathtub basins) and an instance number per name, numbered over the
// sorted ids of every object that appears in a fact so that the first id gets the highest
// number ("cabinet 8" ... "cabinet 1"); an id without "_bar_" shows as "id " (trailing space,
// which no stripped command can match: TextWorld's own behaviour). kIds shows PDDL ids.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "envs/alfworld/grounding.h"
#include "envs/alfworld/text_grammar.h"

namespace spur::alfworld {

enum class NameStyle { kAlfred, kIds };

class GameDefinition {
 public:
  // Loads a game.tw-pddl file. Throws Error naming the file (and the field, line and
  // construct) for a missing file, invalid JSON, missing fields, or anything the PDDL or
  // grammar layers reject.
  static std::shared_ptr<const GameDefinition> load(const std::string& path, NameStyle names = NameStyle::kAlfred);
  // The same from the file's parsed fields; `source` names it in errors.
  GameDefinition(std::string_view domain, std::string_view grammar, std::string_view problem, const std::string& source, NameStyle names);

  const std::string& source() const { return source_; }
  const GroundTask& task() const { return *task_; }
  const TextGrammar& grammar() const { return grammar_; }
  const std::vector<EntityInfo>& entities() const { return entities_; }
  // The game file's walkthrough (empty when it has none).
  const std::vector<std::string>& walkthrough() const { return walkthrough_; }
  // The file's "solvable" field (false when absent, as ALFWorld's loader reads it).
  bool solvable() const { return solvable_; }
  // The task text: the grammar's #task# with "Your task is to: " removed when present.
  const std::string& taskText() const { return task_text_; }

  // The command of operator `op` in `state` (cached when its template reads only statics).
  std::string command(int op, const TextState& state) const;
  // The feedback of operator `op` applied, rendered in `state` (the state after it).
  std::string feedback(int op, const TextState& state) const;
  const Symbols& intro() const { return intro_; }
  const Bindings& operatorBindings(int op) const { return op_bindings_[static_cast<std::size_t>(op)]; }

 private:
  std::string source_;
  std::unique_ptr<GroundTask> task_;
  TextGrammar grammar_;
  std::vector<EntityInfo> entities_;
  std::vector<std::string> walkthrough_;
  bool solvable_ = false;
  std::string task_text_;
  Symbols intro_;
  std::vector<Bindings> op_bindings_;
  std::vector<const TextGrammar::ActionText*> op_text_;
  std::vector<std::string> cached_command_;  // per operator; empty = render each time
  std::vector<uint8_t> command_cached_;
};

class GameSession {
 public:
  explicit GameSession(std::shared_ptr<const GameDefinition> game);

  // Starts over; returns the intro text.
  const std::string& reset();
  // Plays one command; returns its feedback. valid: the command was admissible.
  const std::string& step(std::string_view command, bool* valid = nullptr);

  const std::vector<std::string>& admissibleCommands() const { return admissible_; }
  const std::string& feedback() const { return feedback_; }
  bool won() const { return won_; }
  int64_t moves() const { return moves_; }
  const GameDefinition& game() const { return *game_; }
  TextState textState() const { return {&game_->task(), &truth_, &deleted_, &game_->entities()}; }

 private:
  void refresh();  // admissible commands and won, after a change

  std::shared_ptr<const GameDefinition> game_;
  std::vector<uint8_t> truth_, deleted_;
  std::vector<int> applicable_;
  std::vector<std::pair<std::string, int>> commands_;  // sorted, first operator per text
  std::vector<std::string> admissible_;
  std::string feedback_;
  bool won_ = false;
  int64_t moves_ = 0;
};

}  // namespace spur::alfworld
