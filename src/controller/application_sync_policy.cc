// spec.syncPolicy and capstan's annotations.
#include <fmt/format.h>

#include "controller/application_internal.h"

namespace capstan::controller::internal {
namespace {

constexpr std::string_view kAnnotationPrefix = "capstan.dev/";
constexpr std::string_view kPolicyEnforce = "capstan.dev/policy-enforce";
constexpr std::string_view kPolicyRules = "capstan.dev/policy-rules";
constexpr std::string_view kAutoRollback = "capstan.dev/auto-rollback";
constexpr std::string_view kAutoRollbackWindow = "capstan.dev/auto-rollback-window";

bool ParseBoolText(std::string_view text, bool& out) {
  if (text == "true") {
    out = true;
  } else if (text == "false") {
    out = false;
  } else {
    return false;
  }
  return true;
}

// Argo CD's backoff durations: a bare integer is seconds, anything else a Go duration.
Result<std::chrono::nanoseconds> ParseBackoffDuration(std::string_view text) {
  bool digits = !text.empty();
  for (char c : text) digits = digits && c >= '0' && c <= '9';
  if (digits && text.size() < 12) {
    return std::chrono::nanoseconds(std::chrono::seconds(std::stoll(std::string(text))));
  }
  return ParseGoDuration(text);
}

void ReadDuration(FieldReader& r, const Value& map, const std::string& path, std::string_view key,
                  std::chrono::nanoseconds& out) {
  std::string text;
  r.String(map, path, key, text);
  if (text.empty()) return;
  auto parsed = ParseBackoffDuration(text);
  if (!parsed.ok()) return r.Fail(Join(path, key), parsed.error().message());
  if (parsed->count() <= 0) return r.Fail(Join(path, key), "must be positive");
  out = *parsed;
}

RetryPolicy ReadRetry(FieldReader& r, const Value& map, const std::string& path) {
  r.CheckKeys(map, path, {"limit", "backoff", "refresh"}, false);
  RetryPolicy out;
  r.Int(map, path, "limit", out.limit);
  r.Bool(map, path, "refresh", out.refresh);
  if (const Value* backoff = r.Map(map, path, "backoff"); backoff != nullptr) {
    std::string bpath = Join(path, "backoff");
    r.CheckKeys(*backoff, bpath, {"duration", "factor", "maxDuration"}, false);
    ReadDuration(r, *backoff, bpath, "duration", out.backoff_duration);
    ReadDuration(r, *backoff, bpath, "maxDuration", out.backoff_max_duration);
    r.Int(*backoff, bpath, "factor", out.backoff_factor);
    if (out.backoff_factor < 1) r.Fail(Join(bpath, "factor"), "must be at least 1");
  }
  return out;
}

void ReadSyncOption(FieldReader& r, const std::string& field, std::string_view option,
                    SyncOptions& out) {
  size_t eq = option.find('=');
  if (eq == std::string_view::npos) {
    return r.Fail(field, fmt::format("\"{}\": expected Key=value", option));
  }
  std::string_view key = option.substr(0, eq);
  std::string_view value = option.substr(eq + 1);
  struct BoolOption {
    std::string_view key;
    bool* target;
  };
  const BoolOption bools[] = {
      {"CreateNamespace", &out.create_namespace},
      {"ServerSideApply", &out.server_side_apply},
      {"PruneLast", &out.prune_last},
      {"ApplyOutOfSyncOnly", &out.apply_out_of_sync_only},
      {"Validate", &out.validate},
      {"RespectIgnoreDifferences", &out.respect_ignore_differences},
      {"FailOnSharedResource", &out.fail_on_shared_resource},
      {"Replace", &out.replace},
  };
  for (const auto& option_def : bools) {
    if (key != option_def.key) continue;
    if (!ParseBoolText(value, *option_def.target)) {
      r.Fail(field, fmt::format("\"{}\": expected {}=true or {}=false", option, key, key));
    }
    return;
  }
  if (key == "PrunePropagationPolicy") {
    if (value != "foreground" && value != "background" && value != "orphan") {
      return r.Fail(field,
                    fmt::format("\"{}\": expected foreground, background or orphan", option));
    }
    out.prune_propagation_policy = std::string(value);
    return;
  }
  r.Warn(field, fmt::format("sync option \"{}\" is not known to capstan, ignored", option));
}

}  // namespace

SyncPolicy ReadSyncPolicy(FieldReader& r, const Value& map, const std::string& path) {
  SyncPolicy out;
  for (std::string_view key : {"policy", "autoRollback"}) {
    if (map.Contains(key)) {
      r.Fail(Join(path, key),
             "not an Argo CD field (Argo CD would drop it); capstan reads this from the "
             "capstan.dev/ annotations, see docs/applications.md");
    }
  }
  r.CheckKeys(map, path, {"automated", "syncOptions", "retry", "managedNamespaceMetadata"}, false);
  if (const Value* automated = r.Map(map, path, "automated")) {
    std::string apath = Join(path, "automated");
    r.CheckKeys(*automated, apath, {"prune", "selfHeal", "allowEmpty", "enabled"}, false);
    out.automated = true;
    r.Bool(*automated, apath, "enabled", out.automated);
    r.Bool(*automated, apath, "prune", out.prune);
    r.Bool(*automated, apath, "selfHeal", out.self_heal);
    r.Bool(*automated, apath, "allowEmpty", out.allow_empty);
  }
  std::vector<std::string> options;
  r.Strings(map, path, "syncOptions", options);
  for (size_t i = 0; i < options.size(); ++i) {
    ReadSyncOption(r, fmt::format("{}.syncOptions[{}]", path, i), options[i], out.options);
  }
  if (out.options.replace) {
    r.MarkUnsupported(Join(path, "syncOptions"),
                      "Replace=true is not supported (capstan applies; it never replaces)", false);
  }
  if (const Value* retry = r.Map(map, path, "retry")) {
    out.retry = ReadRetry(r, *retry, Join(path, "retry"));
  }
  if (map.Find("managedNamespaceMetadata") != nullptr) {
    r.Warn(Join(path, "managedNamespaceMetadata"), "not supported yet, ignored");
  }
  return out;
}

CapstanSettings ReadCapstanSettings(FieldReader& r,
                                    const std::map<std::string, std::string>& annotations) {
  CapstanSettings out;
  for (const auto& [key, value] : annotations) {
    if (key.rfind(kAnnotationPrefix, 0) != 0) continue;
    std::string field = fmt::format("metadata.annotations[\"{}\"]", key);
    if (key == kPolicyEnforce || key == kAutoRollback) {
      bool& target = key == kPolicyEnforce ? out.policy_enforce : out.auto_rollback;
      if (!ParseBoolText(value, target)) r.Fail(field, "expected \"true\" or \"false\"");
    } else if (key == kPolicyRules) {
      out.policy_rules = value;
      if (value.empty() || value.front() == '/') {
        r.Fail(field, "expected a file path relative to the repository root");
      }
    } else if (key == kAutoRollbackWindow) {
      auto window = ParseGoDuration(value);
      if (!window.ok()) {
        r.Fail(field, window.error().message());
      } else if (window->count() <= 0) {
        r.Fail(field, "must be positive");
      } else {
        out.auto_rollback_window = *window;
      }
    } else {
      // A misspelt capstan annotation would silently turn a safety off.
      r.Fail(field, fmt::format("unknown capstan annotation (expected {}, {}, {} or {})",
                                kPolicyEnforce, kPolicyRules, kAutoRollback, kAutoRollbackWindow));
    }
  }
  return out;
}

}  // namespace capstan::controller::internal
