#include "actors/llm_policy.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>

#include "core/status.h"

namespace spur {
namespace {

std::string lowerTrim(std::string s) {
  auto junk = [](unsigned char c) { return std::isspace(c) || c == '"' || c == '\'' || c == '`'; };
  while (!s.empty() && junk(static_cast<unsigned char>(s.back()))) s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  std::size_t b = 0;
  while (b < s.size() && junk(static_cast<unsigned char>(s[b]))) ++b;
  s = s.substr(b);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

void replaceAll(std::string& s, const std::string& key, const std::string& value) {
  std::string out;
  std::size_t p = 0;
  for (std::size_t hit = s.find(key); hit != std::string::npos; hit = s.find(key, p)) {
    out.append(s, p, hit - p).append(value);
    p = hit + key.size();
  }
  s = out.append(s, p, std::string::npos);
}

}  // namespace

PolicyPrompt loadPolicyPrompt(const std::string& dir, const std::string& id) {
  const std::string file = (std::filesystem::path(dir) / (id + ".yaml")).string();
  if (!std::filesystem::exists(file)) throw Error(StatusCode::kInvalidArgument, file + ": no such policy prompt");
  YAML::Node y;
  try {
    y = YAML::LoadFile(file);
  } catch (const YAML::Exception& e) {
    throw Error(StatusCode::kInvalidArgument, file + ": " + e.what());
  }
  PolicyPrompt p;
  p.id = id;
  for (const auto& kv : y) {
    const std::string key = kv.first.as<std::string>();
    if (key == "kind") {
      p.kind = kv.second.as<std::string>();
      if (p.kind != "policy" && p.kind != "turn_policy")
        throw Error(StatusCode::kInvalidArgument, file + ": kind: '" + p.kind + "', expected policy or turn_policy");
    } else if (key == "system") p.system = kv.second.as<std::string>();
    else if (key == "user") p.user = kv.second.as<std::string>();
    else if (key == "action_prefix") p.action_prefix = kv.second.as<std::string>();
    else if (key == "stop") {
      if (!kv.second.IsSequence()) throw Error(StatusCode::kInvalidArgument, file + ": stop: expected a list of strings");
      for (const auto& v : kv.second) p.stop.push_back(v.as<std::string>());
    } else throw Error(StatusCode::kInvalidArgument, file + ": " + key + ": unknown key (valid keys: kind, system, user, action_prefix, stop)");
  }
  const auto placeholders = p.kind == "policy" ? std::vector<const char*>{"{task}", "{history}", "{commands}"} : std::vector<const char*>{"{task}", "{context}"};
  for (const char* ph : placeholders)
    if (p.user.find(ph) == std::string::npos) throw Error(StatusCode::kInvalidArgument, file + ": user: the template lacks " + std::string(ph));
  return p;
}

int64_t matchCandidate(const std::string& answer, const std::vector<std::string>& candidates, const std::string& action_prefix) {
  std::string text = answer;
  std::string lower = answer;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string prefix = action_prefix;
  for (char& c : prefix) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!prefix.empty()) {
    const std::size_t at = lower.rfind(prefix);
    if (at != std::string::npos) text = answer.substr(at + prefix.size());
  }
  // The first non-empty line.
  std::string line;
  std::size_t p = 0;
  while (p <= text.size()) {
    std::size_t e = text.find('\n', p);
    if (e == std::string::npos) e = text.size();
    line = lowerTrim(text.substr(p, e - p));
    if (!line.empty()) break;
    p = e + 1;
  }
  for (std::size_t i = 0; i < candidates.size(); ++i)
    if (lowerTrim(candidates[i]) == line) return static_cast<int64_t>(i);
  return -1;
}

std::string restoreStopTag(std::string completion, const std::vector<std::string>& stop) {
  for (const std::string& s : stop) {
    if (s.size() < 4 || s.compare(0, 2, "</") != 0 || s.back() != '>') continue;
    std::string open = "<";
    open.append(s, 2, std::string::npos);
    const std::size_t opened = completion.rfind(open);
    if (opened == std::string::npos) continue;
    const std::size_t closed = completion.rfind(s);
    if (closed == std::string::npos || closed < opened) return completion.append(s);
  }
  return completion;
}

LlmTextPolicy::LlmTextPolicy(std::shared_ptr<const OpenAiChatClient> client, PolicyPrompt prompt, int64_t history)
    : client_(std::move(client)), prompt_(std::move(prompt)), history_(static_cast<std::size_t>(std::max<int64_t>(history, 0))) {}

std::string LlmTextPolicy::textObservation(const Env& env, const std::string& name) const {
  const auto& spec = env.observationSpec();
  for (std::size_t i = 0; i < spec.size(); ++i) {
    if (spec[i].name != name) continue;
    const char* data = env.observation(i).as<char>();
    return std::string(data, strnlen(data, static_cast<std::size_t>(spec[i].numel())));
  }
  return {};
}

void LlmTextPolicy::reset(const Env& env) {
  steps_.clear();
  pending_command_.clear();
  const std::string feedback = textObservation(env, "feedback");
  first_observation_ = feedback.empty() ? std::string(env.message()) : feedback;
  // TextWorld's banner says nothing about the game (ReAct drops it too).
  const std::string banner = "-= Welcome to TextWorld, ALFRED! =-\n\n";
  if (first_observation_.rfind(banner, 0) == 0) first_observation_.erase(0, banner.size());
}

int64_t LlmTextPolicy::act(const Env& env) {
  const auto candidates = env.candidates();
  std::vector<std::string> commands(candidates.begin(), candidates.end());
  const auto mask = env.actionMask();
  std::string list;
  for (std::size_t i = 0; i < commands.size(); ++i)
    if (mask.empty() || (i < mask.size() && mask[i])) {
      if (!list.empty()) list.push_back('\n');
      list.append("- ").append(commands[i]);
    }
  std::string history = first_observation_;
  const std::size_t skip = steps_.size() > history_ ? steps_.size() - history_ : 0;
  if (skip > 0) history.append("\n(").append(std::to_string(skip)).append(" earlier steps not shown)");
  for (std::size_t i = skip; i < steps_.size(); ++i) history.append("\n> ").append(steps_[i].first).append("\n").append(steps_[i].second);
  std::string user = prompt_.user;
  replaceAll(user, "{task}", textObservation(env, "task"));
  replaceAll(user, "{history}", history);
  replaceAll(user, "{commands}", list);
  std::vector<ChatMessage> messages;
  if (!prompt_.system.empty()) messages.push_back({"system", prompt_.system});
  messages.push_back({"user", user});
  last_answer_ = client_->complete(messages);
  const int64_t index = matchCandidate(last_answer_, commands, prompt_.action_prefix);
  if (index < 0 || (!mask.empty() && !mask[static_cast<std::size_t>(index)])) {
    ++invalid_;
    pending_command_ = lowerTrim(last_answer_).substr(0, 80);
    return -1;
  }
  pending_command_ = commands[static_cast<std::size_t>(index)];
  return index;
}

std::string LlmTextPolicy::actText(const Env& env) {
  std::string user = prompt_.user;
  replaceAll(user, "{task}", textObservation(env, "task"));
  const std::string_view context = env.textContext();
  replaceAll(user, "{context}", context.empty() ? std::string("(nothing yet)") : std::string(context));
  std::vector<ChatMessage> messages;
  if (!prompt_.system.empty()) messages.push_back({"system", prompt_.system});
  messages.push_back({"user", user});
  last_answer_ = restoreStopTag(client_->complete(messages, prompt_.stop), prompt_.stop);
  return last_answer_;
}

void LlmTextPolicy::observe(const Env& env) {
  const std::string feedback = textObservation(env, "feedback");
  steps_.push_back({pending_command_, feedback.empty() ? std::string(env.message()) : feedback});
}

}  // namespace spur
