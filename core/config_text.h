// Config from text: config::load's decoding for YAML that is already in memory (a config
// received or generated rather than read from a file; the fuzz target of the config loader).
// Same errors as config::load (config.h), naming `source` where load names the file.
#pragma once

#include <string>
#include <vector>

#include "core/config.h"

namespace spur::config {

// Parses the text of a config file; `source` names it in errors (the file's path for
// loadYamlFile, which reads the file and calls this). Throws Error(kInvalidArgument) naming
// source, line and column for malformed YAML, and when the top level is not a mapping. Empty
// text gives an empty map.
YAML::Node parseYaml(const std::string& text, const std::string& source);

// load() of the text of a config file rather than the file itself.
template <class T>
T loadFromString(const std::string& text, const std::string& source, const std::vector<std::string>& overrides) {
  Source src{source, {}};
  YAML::Node root = parseYaml(text, source);
  for (const auto& o : overrides) applyOverride(root, o, src);
  return decode<T>(root, src);
}

}  // namespace spur::config
