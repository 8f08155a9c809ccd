// kustomize's target selector: group, version, kind, name and namespace are regular
// expressions anchored at both ends ("web" does not select "web-canary"; "web.*" does),
// an empty field selects everything. Namespaces compare as kustomize's "effective"
// namespace: unset means "default", and cluster-scoped kinds have none a selector can name.
#include <fmt/format.h>

#include <regex>

#include "core/object.h"
#include "render/kustomize/patch.h"
#include "render/kustomize/selector_internal.h"
#include "render/kustomize/strategic_merge_schema.h"

namespace capstan::render {
namespace {

constexpr std::string_view kDefaultNamespace = "default";
// kustomize's stand-in namespace for cluster-scoped objects, which no selector matches
// except an empty one or a regular expression that happens to match this text.
constexpr std::string_view kNoNamespace = "_non_namespaceable_";

Result<std::regex> Compile(std::string_view field, const std::string& pattern) {
  try {
    return std::regex("^(?:" + pattern + ")$", std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return Error::Invalid(
        fmt::format("target.{}: \"{}\" is not a valid regular expression", field, pattern));
  }
}

Result<bool> FieldMatches(std::string_view field, const std::string& pattern,
                          const std::vector<std::string>& candidates) {
  if (pattern.empty()) return true;
  auto re = Compile(field, pattern);
  if (!re.ok()) return std::move(re).error();
  for (const std::string& c : candidates) {
    if (std::regex_match(c, *re)) return true;
  }
  return false;
}

std::string EffectiveNamespace(std::string_view api_version, std::string_view kind,
                               std::string_view ns) {
  if (smp::IsClusterScoped(api_version, kind)) return std::string(kNoNamespace);
  if (ns.empty()) return std::string(kDefaultNamespace);
  return std::string(ns);
}

}  // namespace

Result<TargetSelector> ParseTargetSelector(const Value& target) {
  if (!target.is_object()) return Error::Invalid("target: expected a map");
  TargetSelector out;
  const std::pair<std::string_view, std::string*> fields[] = {
      {"group", &out.group},
      {"version", &out.version},
      {"kind", &out.kind},
      {"name", &out.name},
      {"namespace", &out.namespace_},
      {"labelSelector", &out.label_selector},
      {"annotationSelector", &out.annotation_selector},
  };
  for (const auto& [key, value] : target.as_object()) {
    std::string* slot = nullptr;
    for (const auto& [name, field] : fields) {
      if (name == key) slot = field;
    }
    if (slot == nullptr) return Error::Invalid(fmt::format("target.{}: unknown field", key));
    if (value.is_null()) continue;
    if (!value.is_string()) return Error::Invalid(fmt::format("target.{}: expected a string", key));
    *slot = value.as_string();
  }
  for (const auto& [name, field] : fields) {
    if (name == "labelSelector" || name == "annotationSelector") {
      auto parsed = ParseLabelSelector(*field);
      if (!parsed.ok()) return std::move(parsed).error().Wrap(fmt::format("target.{}", name));
    } else if (!field->empty()) {
      auto re = Compile(name, *field);
      if (!re.ok()) return std::move(re).error();
    }
  }
  return out;
}

Result<bool> Matches(const TargetSelector& selector, const Value& object) {
  return Matches(selector, object, {});
}

Result<bool> Matches(const TargetSelector& selector, const Value& object,
                     const std::vector<ObjectKey>& previous) {
  const std::string_view api_version = object.StringAt({"apiVersion"});
  const std::string_view kind = KindOf(object);
  std::vector<std::string> namespaces = {
      EffectiveNamespace(api_version, kind, NamespaceOf(object))};
  std::vector<std::string> names = {std::string(NameOf(object))};
  for (const ObjectKey& key : previous) {
    namespaces.push_back(EffectiveNamespace(api_version, kind, key.ns));
    names.push_back(key.name);
  }
  const std::string group(GroupOf(api_version));
  const size_t slash = api_version.find('/');
  const std::string version(slash == std::string_view::npos ? api_version
                                                            : api_version.substr(slash + 1));
  const std::pair<std::string_view, std::pair<const std::string*, std::vector<std::string>>>
      checks[] = {
          {"namespace", {&selector.namespace_, namespaces}},
          {"name", {&selector.name, names}},
          {"group", {&selector.group, {group}}},
          {"version", {&selector.version, {version}}},
          {"kind", {&selector.kind, {std::string(kind)}}},
      };
  for (const auto& [field, check] : checks) {
    auto ok = FieldMatches(field, *check.first, check.second);
    if (!ok.ok()) return std::move(ok).error();
    if (!*ok) return false;
  }
  for (auto [selector_text, field] : {std::pair{&selector.label_selector, "labels"},
                                      std::pair{&selector.annotation_selector, "annotations"}}) {
    auto requirements = ParseLabelSelector(*selector_text);
    if (!requirements.ok()) return std::move(requirements).error();
    if (!LabelsMatch(*requirements, object.At({"metadata", field}))) return false;
  }
  return true;
}

}  // namespace capstan::render
