#include "sync/internal/annotations.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "core/object.h"

namespace capstan::sync::internal {

namespace {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

const Value* Annotation(const Value& object, std::string_view name) {
  const Value* value = object.At({"metadata", "annotations", name});
  return value != nullptr && value->is_string() ? value : nullptr;
}

// Argo CD's hook types (PreDelete and PostDelete are recognised so that a hook of only
// those types is a hook that never runs during a sync, as in Argo CD).
bool ArgoHookType(std::string_view text, std::optional<Phase>* phase) {
  if (text == "PreSync")
    *phase = Phase::kPreSync;
  else if (text == "Sync")
    *phase = Phase::kSync;
  else if (text == "PostSync")
    *phase = Phase::kPostSync;
  else if (text == "SyncFail")
    *phase = Phase::kSyncFail;
  else
    return text == "Skip" || text == "PreDelete" || text == "PostDelete";
  return true;
}

std::optional<Phase> HelmHookPhase(std::string_view text) {
  if (text == "pre-install" || text == "pre-upgrade") return Phase::kPreSync;
  if (text == "post-install" || text == "post-upgrade") return Phase::kPostSync;
  return std::nullopt;
}

// Argo CD's known types among the hook annotation's values.
std::vector<std::string> ArgoHookTypes(const Value& object) {
  std::vector<std::string> out;
  for (std::string& text : AnnotationList(object, kHookAnnotation)) {
    std::optional<Phase> ignored;
    if (ArgoHookType(text, &ignored)) out.push_back(std::move(text));
  }
  return out;
}

bool IsSkip(const Value& object) {
  std::vector<std::string> types = ArgoHookTypes(object);
  return types.size() == 1 && types.front() == "Skip";
}

// strconv.Atoi's syntax: optional sign, decimal digits.
std::optional<int> ParseInt(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

std::vector<std::string> AnnotationList(const Value& object, std::string_view annotation) {
  std::vector<std::string> out;
  const Value* value = Annotation(object, annotation);
  if (value == nullptr) return out;
  std::string_view text = value->as_string();
  while (true) {
    size_t comma = text.find(',');
    std::string_view item = Trim(text.substr(0, comma));
    if (!item.empty() && std::find(out.begin(), out.end(), item) == out.end()) {
      out.emplace_back(item);
    }
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

bool HasSyncOption(const Value& object, std::string_view option) {
  std::vector<std::string> options = AnnotationList(object, kSyncOptionsAnnotation);
  return std::find(options.begin(), options.end(), option) != options.end();
}

bool IsHook(const Value& object) {
  if (Annotation(object, kHookAnnotation) != nullptr) return !IsSkip(object);
  const Value* helm = Annotation(object, kHelmHookAnnotation);
  return helm != nullptr && helm->as_string() != "crd-install";
}

std::vector<Phase> PhasesOf(const Value& object) {
  if (IsSkip(object)) return {};
  if (!IsHook(object)) return {Phase::kSync};
  std::set<Phase> phases;
  std::vector<std::string> argo = ArgoHookTypes(object);
  for (const std::string& text : argo) {
    std::optional<Phase> phase;
    ArgoHookType(text, &phase);
    if (phase) phases.insert(*phase);
  }
  // Helm's annotation is ignored once the object names an Argo CD hook type.
  if (argo.empty()) {
    for (const std::string& text : AnnotationList(object, kHelmHookAnnotation)) {
      if (std::optional<Phase> phase = HelmHookPhase(text)) phases.insert(*phase);
    }
  }
  return {phases.begin(), phases.end()};
}

std::vector<HookDeletePolicy> DeletePoliciesOf(const Value& object) {
  std::set<HookDeletePolicy> policies;
  for (const std::string& text : AnnotationList(object, kHookDeletePolicyAnnotation)) {
    if (text == "BeforeHookCreation") policies.insert(HookDeletePolicy::kBeforeHookCreation);
    if (text == "HookSucceeded") policies.insert(HookDeletePolicy::kHookSucceeded);
    if (text == "HookFailed") policies.insert(HookDeletePolicy::kHookFailed);
  }
  for (const std::string& text : AnnotationList(object, kHelmHookDeletePolicyAnnotation)) {
    if (text == "before-hook-creation") policies.insert(HookDeletePolicy::kBeforeHookCreation);
    if (text == "hook-succeeded") policies.insert(HookDeletePolicy::kHookSucceeded);
    if (text == "hook-failed") policies.insert(HookDeletePolicy::kHookFailed);
  }
  if (policies.empty()) return {HookDeletePolicy::kBeforeHookCreation};
  return {policies.begin(), policies.end()};
}

Result<int> WaveOf(const Value& object, std::string_view source) {
  for (const char* name : {kSyncWaveAnnotation, kHelmHookWeightAnnotation}) {
    const Value* value = Annotation(object, name);
    if (value == nullptr) continue;
    std::optional<int> wave = ParseInt(value->as_string());
    if (!wave) {
      return Error::Invalid(fmt::format("{}: annotation {}: \"{}\" is not an integer",
                                        Describe(object, source), name, value->as_string()));
    }
    return *wave;
  }
  return 0;
}

Status CheckSyncOptions(const Value& object, std::string_view source) {
  if (HasSyncOption(object, "Replace=true")) {
    return Error::Invalid(
        fmt::format("{}: annotation {}: Replace=true is not supported; capstan updates objects by "
                    "server-side apply (remove the option, or delete the object once by hand)",
                    Describe(object, source), kSyncOptionsAnnotation));
  }
  if (HasSyncOption(object, "Force=true")) {
    return Error::Invalid(
        fmt::format("{}: annotation {}: Force=true (delete and re-create) is not supported",
                    Describe(object, source), kSyncOptionsAnnotation));
  }
  return OkStatus();
}

std::string Describe(const Value& object, std::string_view source) {
  std::string key = KeyOf(object).ToString();
  return source.empty() ? key : fmt::format("{} ({})", key, source);
}

}  // namespace capstan::sync::internal
