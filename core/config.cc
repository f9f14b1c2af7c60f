#include "core/config.h"

#include <fstream>
#include <sstream>

#include "core/config_text.h"

namespace spur::config {

std::string Source::where(const std::string& path) const {
  // A value under an overridden path came from the command line, not the file.
  for (const auto& o : overridden) {
    if (path == o || path.rfind(o + ".", 0) == 0 || path.rfind(o + "[", 0) == 0) return "command-line override " + o;
  }
  return file.empty() ? std::string("defaults") : file;
}

namespace detail {

void fail(const Source& src, const std::string& path, const std::string& what) {
  const std::string origin = src.where(path), shown = path.empty() ? "<root>" : path;
  // "command-line override a.b: unknown key", not "... a.b: a.b: unknown key".
  if (src.overridden.count(path)) throw Error(StatusCode::kInvalidArgument, origin + ": " + what);
  throw Error(StatusCode::kInvalidArgument, origin + ": " + shown + ": " + what);
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null: return "nothing (null)";
    case YAML::NodeType::Scalar: return "'" + node.Scalar() + "'";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    default: return "an undefined value";
  }
}

std::string join(const std::vector<std::string>& keys) {
  std::string out;
  for (const auto& k : keys) out += (out.empty() ? "" : ", ") + k;
  return out;
}

}  // namespace detail

YAML::Node loadYamlFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(StatusCode::kNotFound, path + ": cannot open config file");
  std::stringstream text;
  text << in.rdbuf();
  return parseYaml(text.str(), path);
}

YAML::Node parseYaml(const std::string& text, const std::string& source) {
  try {
    YAML::Node root = YAML::Load(text);
    if (root.IsNull()) return YAML::Node(YAML::NodeType::Map);
    if (!root.IsMap()) throw Error(StatusCode::kInvalidArgument, source + ": the top level must be a mapping of keys");
    return root;
  } catch (const YAML::Exception& e) {
    throw Error(StatusCode::kInvalidArgument,
                source + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) + ": YAML syntax error: " + e.msg);
  }
}

void applyOverride(YAML::Node& root, const std::string& assignment, Source& source) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw Error(StatusCode::kInvalidArgument, "override '" + assignment + "': expected key.path=value");
  const std::string path = assignment.substr(0, eq);
  YAML::Node value;
  try {
    value = YAML::Load(assignment.substr(eq + 1));
  } catch (const YAML::Exception& e) {
    throw Error(StatusCode::kInvalidArgument, "override '" + assignment + "': value is not valid YAML: " + e.msg);
  }
  if (value.IsNull() && assignment.size() == eq + 1) value = YAML::Node(std::string());

  std::vector<std::string> parts;
  std::stringstream ss(path);
  for (std::string p; std::getline(ss, p, '.');) {
    if (p.empty()) throw Error(StatusCode::kInvalidArgument, "override '" + assignment + "': empty key in path");
    parts.push_back(p);
  }
  // yaml-cpp nodes are handles: walk with copies and assign through them (reset() would
  // rebind the handle instead of writing into the tree).
  std::vector<YAML::Node> chain{root};
  std::string walked;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    walked += (walked.empty() ? "" : ".") + parts[i];
    YAML::Node next = chain.back()[parts[i]];
    if (next.IsDefined() && !next.IsNull() && !next.IsMap())
      throw Error(StatusCode::kInvalidArgument, "override '" + assignment + "': " + walked + " is not a mapping");
    if (!next.IsDefined() || next.IsNull()) {
      chain.back()[parts[i]] = YAML::Node(YAML::NodeType::Map);
      next = chain.back()[parts[i]];
    }
    chain.push_back(next);
  }
  chain.back()[parts.back()] = value;
  source.overridden.insert(path);
}

}  // namespace spur::config
