// The JSON part of a reward model's saved state (`state.json`: type, counts, labels,
// dataset); weights and optimizer go beside it as LibTorch archives. Internal to
// reward_model/.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace spur {

// Writes dir/state.json (temp file + rename). Throws Error naming the file.
void writeModelState(const std::filesystem::path& dir, const nlohmann::json& state);
// Reads dir/state.json; throws Error naming the file when it is unreadable, not JSON, or
// saved by another reward type than `type`.
nlohmann::json readModelState(const std::filesystem::path& dir, const std::string& type);

}  // namespace spur
