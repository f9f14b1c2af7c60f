// Command-line checks shared by the subcommands, with messages a user can act on.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

namespace spur {

// An integer option that must be at least `minimum`: "must be at least 1, not 0" (CLI11's
// PositiveNumber names a range up to 1.8e308).
inline CLI::Validator atLeast(int64_t minimum) {
  return CLI::Validator(
      [minimum](std::string& value) -> std::string {
        std::size_t used = 0;
        long long v = 0;
        try {
          v = std::stoll(value, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (used == 0 || used != value.size()) return "'" + value + "' is not a whole number";
        if (v < minimum) return "must be at least " + std::to_string(minimum) + ", not " + value;
        return "";
      },
      ">= " + std::to_string(minimum));
}

}  // namespace spur
