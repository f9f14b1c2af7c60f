#include "envs/env.h"

namespace spur {

std::string_view endStatusName(EndStatus status) {
  switch (status) {
    case EndStatus::kAborted: return "ABORTED";
    case EndStatus::kRunning: return "RUNNING";
    case EndStatus::kDeath: return "DEATH";
    case EndStatus::kTaskSuccessful: return "TASK_SUCCESSFUL";
  }
  return "?";
}

}  // namespace spur
