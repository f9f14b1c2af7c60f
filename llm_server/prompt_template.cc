#include "llm_server/prompt_template.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <vector>

#include "core/status.h"

namespace spur {
namespace {

std::string replaceAll(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t pos = 0; (pos = text.find(from, pos)) != std::string::npos; pos += to.size()) text.replace(pos, from.size(), to);
  return text;
}

}  // namespace

std::string PromptTemplate::render(const AnnotationItem& item) const {
  if (kind == TemplateKind::kClassification) {
    if (item.second) throw Error(StatusCode::kInvalidArgument, "prompt template '" + id + "' labels single messages, got a pair");
    return replaceAll(user, "{message}", item.first);
  }
  if (!item.second) throw Error(StatusCode::kInvalidArgument, "prompt template '" + id + "' ranks pairs of messages, got a single message");
  // Both at once via a marker, so that a first message containing "{second}" stays as is.
  const std::string marker = "\x01spur-second\x01";
  return replaceAll(replaceAll(replaceAll(user, "{second}", marker), "{first}", item.first), marker, *item.second);
}

PromptTemplate loadPromptTemplate(const std::string& dir, const std::string& id) {
  // The id comes from the network (an annotate request names its template): a plain file
  // name only, so that "../x" cannot read YAML outside the prompts folder.
  if (id.empty() || id.size() > 128 || id.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != std::string::npos)
    throw Error(StatusCode::kInvalidArgument, "prompt template id '" + id.substr(0, 128) + "': only letters, digits, '_' and '-' (a file name in " + dir + ")");
  const std::string path = (std::filesystem::path(dir) / (id + ".yaml")).string();
  if (!std::filesystem::exists(path)) {
    std::string have;
    if (std::filesystem::is_directory(dir))
      for (const auto& e : std::filesystem::directory_iterator(dir))
        if (e.path().extension() == ".yaml") have += (have.empty() ? "" : ", ") + e.path().stem().string();
    throw Error(StatusCode::kInvalidArgument, "prompt template '" + id + "' not found: no " + path + (have.empty() ? "" : " (have: " + have + ")"));
  }
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    throw Error(StatusCode::kInvalidArgument, path + ": " + e.what());
  }
  if (!root.IsMap()) throw Error(StatusCode::kInvalidArgument, path + ": expected a mapping of kind, system, user");
  PromptTemplate t;
  t.id = id;
  for (const auto& kv : root) {
    const std::string key = kv.first.as<std::string>();
    if (!kv.second.IsScalar()) throw Error(StatusCode::kInvalidArgument, path + ": key '" + key + "' must be a string");
    const std::string value = kv.second.as<std::string>();
    if (key == "kind") {
      if (value == "classification") t.kind = TemplateKind::kClassification;
      else if (value == "ranking") t.kind = TemplateKind::kRanking;
      else throw Error(StatusCode::kInvalidArgument, path + ": kind '" + value + "' (valid: classification, ranking)");
    } else if (key == "system") t.system = value;
    else if (key == "user") t.user = value;
    else if (key == "positive_marker") t.positive_marker = value;
    else if (key == "negative_marker") t.negative_marker = value;
    else throw Error(StatusCode::kInvalidArgument, path + ": unknown key '" + key + "' (valid: kind, system, user, positive_marker, negative_marker)");
  }
  if (!root["kind"]) throw Error(StatusCode::kInvalidArgument, path + ": missing key 'kind'");
  if (t.user.empty()) throw Error(StatusCode::kInvalidArgument, path + ": missing key 'user'");
  const bool cls = t.kind == TemplateKind::kClassification;
  const std::vector<std::string> placeholders = cls ? std::vector<std::string>{"{message}"} : std::vector<std::string>{"{first}", "{second}"};
  for (const auto& ph : placeholders)
    if (t.user.find(ph) == std::string::npos) throw Error(StatusCode::kInvalidArgument, path + ": 'user' lacks the placeholder " + ph);
  if (cls && (t.positive_marker.empty() || t.negative_marker.empty() || t.positive_marker.find(t.negative_marker) != std::string::npos ||
              t.negative_marker.find(t.positive_marker) != std::string::npos))
    throw Error(StatusCode::kInvalidArgument, path + ": positive_marker and negative_marker must be non-empty and neither may contain the other");
  return t;
}

}  // namespace spur
