// Config: YAML files -> typed option structs, with `a.b.c=value` overrides.
//
// An option struct opts in by declaring
//     template <class Binder> void bind(Binder& b) { b.field("key", member); ... }
// listing every field. Supported field types: bool, integers, double, std::string,
// std::vector<T>, std::optional<T> (YAML null = unset), named enums (enum_names.h: a YAML
// string, one of the enum's names), nested bindable structs, and config::Sections (every
// key of a map that no field claimed, kept as YAML for a component to decode later). A field
// absent from the YAML keeps the struct's default, so the struct's member initialisers are the documented defaults.
//
// Errors (spur::Error with kInvalidArgument) always name the source (file, or the
// command-line override that set the value) and the full key path, e.g.
//     configs/x.yaml: env.nethack.max_episode_steps: expected an integer, got 'many'
//     configs/x.yaml: env.nethack.tsk: unknown key (valid keys: task, actions, ...)
//
// Thread-safety: the functions are reentrant; nothing is shared.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "core/enum_names.h"
#include "core/status.h"

namespace spur::config {

// Where the values of a config tree came from, for error messages.
struct Source {
  std::string file;                  // the YAML file ("" for none)
  std::set<std::string> overridden;  // key paths set by command-line overrides

  // "file: a.b" or "override a.b=...: a.b" for the value at `path`.
  std::string where(const std::string& path) const;
};

// Parses a YAML file. Throws Error naming the file (and line) when it is missing or
// malformed. An empty file gives an empty map.
YAML::Node loadYamlFile(const std::string& path);

// Applies "a.b.c=value": value is parsed as YAML (so `x=3` is an integer, `x=[a,b]` a
// list, `x=` an empty string) and stored at a.b.c, creating maps on the way. Records the
// path in source.overridden. Throws Error for a malformed override (no '=', empty key,
// or a path through a non-map value).
void applyOverride(YAML::Node& root, const std::string& assignment, Source& source);

// Stands in for a binder when testing whether a type is bindable.
struct Sections;
struct ProbeBinder {
  template <class V> void field(const char*, V&) {}
  void rest(Sections&) {}
};
template <class T>
concept Bindable = requires(T& t, ProbeBinder& b) { t.bind(b); };

// The keys of a map that its struct does not know, each kept as YAML to be decoded later by
// whoever owns it (the `env` section keeps one sub-section per environment; the env named
// by env.name decodes its own). Remembers where it came from so that later errors name
// the file or override and the full key path.
struct Sections {
  YAML::Node map{YAML::NodeType::Map};  // key -> the YAML under it
  std::string path;                     // key path of the enclosing map ("env")
  Source source;

  // The YAML under `key`, or an undefined/null node when absent.
  YAML::Node at(const std::string& key) const { return map[key]; }
};

namespace detail {
template <class T> struct IsOptional : std::false_type {};
template <class T> struct IsOptional<std::optional<T>> : std::true_type {};
[[noreturn]] void fail(const Source& src, const std::string& path, const std::string& what);
std::string describe(const YAML::Node& node);
std::string join(const std::vector<std::string>& keys);
}  // namespace detail

class Decoder;
template <class T> void decodeValue(const YAML::Node& node, T& out, const std::string& path, const Source& src);

// Visits a bindable struct, reading each field from a YAML map.
class Decoder {
 public:
  Decoder(const YAML::Node& map, std::string path, const Source& src)
      : map_(map), path_(std::move(path)), src_(src) {}

  template <class V>
  void field(const char* key, V& value) {
    keys_.emplace_back(key);
    const YAML::Node child = map_[key];
    if (!child.IsDefined()) return;  // keep the default
    decodeValue(child, value, childPath(key), src_);
  }

  // Every key that no field() claimed goes into `sections` (call after the fields).
  void rest(Sections& sections) {
    sections.map = YAML::Node(YAML::NodeType::Map);
    sections.path = path_;
    sections.source = src_;
    for (const auto& kv : map_) {
      const std::string k = kv.first.as<std::string>();
      bool known = false;
      for (const auto& v : keys_) known = known || v == k;
      if (!known) {
        sections.map[k] = YAML::Clone(kv.second);
        keys_.push_back(k);
      }
    }
  }

  // Fails on the first key of the map that no field() claimed.
  void rejectUnknownKeys() const {
    for (const auto& kv : map_) {
      const std::string k = kv.first.as<std::string>();
      bool known = false;
      for (const auto& v : keys_) known = known || v == k;
      if (!known) detail::fail(src_, childPath(k.c_str()), "unknown key (valid keys: " + detail::join(keys_) + ")");
    }
  }

 private:
  std::string childPath(const char* key) const { return path_.empty() ? key : path_ + "." + key; }
  const YAML::Node& map_;
  std::string path_;
  const Source& src_;
  std::vector<std::string> keys_;
};

template <class T>
void decodeValue(const YAML::Node& node, T& out, const std::string& path, const Source& src) {
  if constexpr (detail::IsOptional<T>::value) {
    // null means "not set" (the task's or component's own default applies).
    if (node.IsNull()) { out.reset(); return; }
    typename T::value_type v{};
    decodeValue(node, v, path, src);
    out = std::move(v);
  } else if constexpr (std::is_enum_v<T>) {
    static_assert(NamedEnum<T>, "an enum config field needs enumNames() (core/enum_names.h)");
    if (!node.IsScalar() || !enumFromName(node.Scalar(), &out))
      detail::fail(src, path, "expected one of " + enumChoices<T>() + ", got " + detail::describe(node));
  } else if constexpr (std::is_same_v<T, bool>) {
    bool v;
    if (!node.IsScalar() || !YAML::convert<bool>::decode(node, v)) detail::fail(src, path, "expected true or false, got " + detail::describe(node));
    out = v;
  } else if constexpr (std::is_integral_v<T>) {
    // Parse as the widest type of the same signedness, then range-check, so that
    // "300" for a uint8 or "-1" for an unsigned is an error and not a wrap-around.
    using Wide = std::conditional_t<std::is_signed_v<T>, long long, unsigned long long>;
    Wide v;
    const bool ok = node.IsScalar() && YAML::convert<Wide>::decode(node, v) &&
                    !(std::is_unsigned_v<T> && !node.Scalar().empty() && node.Scalar()[0] == '-');
    if (!ok) detail::fail(src, path, std::string("expected ") + (std::is_signed_v<T> ? "an integer" : "a non-negative integer") + ", got " + detail::describe(node));
    if (v < static_cast<Wide>(std::numeric_limits<T>::min()) || v > static_cast<Wide>(std::numeric_limits<T>::max()))
      detail::fail(src, path, "integer " + node.Scalar() + " out of range");
    out = static_cast<T>(v);
  } else if constexpr (std::is_floating_point_v<T>) {
    double v;
    if (!node.IsScalar() || !YAML::convert<double>::decode(node, v)) detail::fail(src, path, "expected a number, got " + detail::describe(node));
    out = static_cast<T>(v);
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (node.IsNull()) { out.clear(); return; }
    if (!node.IsScalar()) detail::fail(src, path, "expected a string, got " + detail::describe(node));
    out = node.Scalar();
  } else if constexpr (requires { typename T::value_type; out.push_back(std::declval<typename T::value_type>()); }) {
    if (node.IsNull()) { out.clear(); return; }
    if (!node.IsSequence()) detail::fail(src, path, "expected a list, got " + detail::describe(node));
    T result;
    for (std::size_t i = 0; i < node.size(); ++i) {
      typename T::value_type item{};
      decodeValue(node[i], item, path + "[" + std::to_string(i) + "]", src);
      result.push_back(std::move(item));
    }
    out = std::move(result);
  } else {
    static_assert(Bindable<T>, "config field type must be a scalar, a vector or a bindable struct");
    if (node.IsNull()) return;  // "section:" with nothing under it keeps the defaults
    if (!node.IsMap()) detail::fail(src, path, "expected a mapping of keys, got " + detail::describe(node));
    Decoder d(node, path, src);
    out.bind(d);
    d.rejectUnknownKeys();
  }
}

// Writes a bindable struct back to YAML (the resolved config of a run).
class Encoder {
 public:
  explicit Encoder(YAML::Node& map) : map_(map) {}
  template <class V>
  void field(const char* key, const V& value) { map_[key] = encodeValue(value); }
  void rest(const Sections& sections) {
    for (const auto& kv : sections.map) map_[kv.first.as<std::string>()] = YAML::Clone(kv.second);
  }

  template <class V>
  static YAML::Node encodeValue(const V& value) {
    if constexpr (detail::IsOptional<V>::value) {
      return value ? encodeValue(*value) : YAML::Node(YAML::NodeType::Null);
    } else if constexpr (std::is_enum_v<V>) {
      return YAML::Node(std::string(enumName(value)));
    } else if constexpr (Bindable<V>) {
      YAML::Node n(YAML::NodeType::Map);
      Encoder e(n);
      const_cast<V&>(value).bind(e);
      return n;
    } else if constexpr (!std::is_same_v<V, std::string> && requires { typename V::value_type; value.begin(); }) {
      YAML::Node n(YAML::NodeType::Sequence);
      for (const auto& item : value) n.push_back(encodeValue(item));
      return n;
    } else if constexpr (std::is_integral_v<V> && !std::is_same_v<V, bool> && sizeof(V) == 1) {
      return YAML::Node(static_cast<int>(value));  // yaml-cpp would write a character
    } else {
      return YAML::Node(value);
    }
  }

 private:
  YAML::Node& map_;
};

// Decodes `root` into a T (the top-level struct). Throws Error on the first problem.
template <class T>
T decode(const YAML::Node& root, const Source& src) {
  T out{};
  decodeValue(root, out, "", src);
  return out;
}

template <class T>
YAML::Node encode(const T& value) { return Encoder::encodeValue(value); }

// Decodes sections.at(key) into a T, as if it had been a field of the enclosing struct:
// errors name the full key path (e.g. env.nethack.task) and the file or override. An
// absent or empty section gives T's defaults.
template <class T>
T decodeSection(const Sections& sections, const std::string& key) {
  T out{};
  const YAML::Node node = sections.at(key);
  if (node.IsDefined()) decodeValue(node, out, sections.path.empty() ? key : sections.path + "." + key, sections.source);
  return out;
}

// Loads `file` (may be empty: defaults only), applies the overrides in order, decodes.
template <class T>
T load(const std::string& file, const std::vector<std::string>& overrides) {
  Source src{file, {}};
  YAML::Node root = file.empty() ? YAML::Node(YAML::NodeType::Map) : loadYamlFile(file);
  for (const auto& o : overrides) applyOverride(root, o, src);
  return decode<T>(root, src);
}

}  // namespace spur::config
