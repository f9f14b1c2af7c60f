#include "envs/env.h"

#include "core/status.h"

namespace spur {

std::string_view endStatusName(EndStatus status) {
  switch (status) {
    case EndStatus::kAborted: return "ABORTED";
    case EndStatus::kRunning: return "RUNNING";
    case EndStatus::kDeath: return "DEATH";
    case EndStatus::kTaskSuccessful: return "TASK_SUCCESSFUL";
    case EndStatus::kTimeLimit: return "TIME_LIMIT";
    case EndStatus::kTaskFailed: return "TASK_FAILED";
  }
  return "?";
}

StepResult Env::stepText(std::string_view) { throw Error(StatusCode::kFailedPrecondition, "this env takes no text turns: it acts on its own action ids"); }

StepResult Env::stepInvalid() { throw Error(StatusCode::kFailedPrecondition, "this env has no invalid action: every action is one of its own"); }

}  // namespace spur
