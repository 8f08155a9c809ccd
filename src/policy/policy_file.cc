// Policy files: parse strictly (unknown fields are errors, since a typo would otherwise turn
// a rule off without a word) and check every path and pattern before anything runs.
#include <fmt/format.h>

#include <regex>

#include "core/fs.h"
#include "core/yaml.h"
#include "policy/internal/catalogue.h"
#include "policy/internal/user_rules.h"
#include "policy/internal/workload.h"
#include "policy/policy.h"

namespace capstan::policy {
namespace {

constexpr std::string_view kApiVersion = "capstan.dev/v1alpha1";
constexpr std::string_view kKind = "Policy";
constexpr size_t kMaxPolicyBytes = 1u << 20;

constexpr ConditionOp kAllOps[] = {
    ConditionOp::kExists,
    ConditionOp::kEquals,
    ConditionOp::kNotEquals,
    ConditionOp::kOneOf,
    ConditionOp::kNotOneOf,
    ConditionOp::kMatches,
    ConditionOp::kNotMatches,
    ConditionOp::kLessThan,
    ConditionOp::kLessThanOrEqual,
    ConditionOp::kGreaterThan,
    ConditionOp::kGreaterThanOrEqual,
};

// "field: what", or just "what" when the whole entry (field "") is at fault.
Error Bad(std::string_view field, std::string_view what) {
  if (field.empty()) return Error::Invalid(std::string(what));
  return Error::Invalid(fmt::format("{}: {}", field, what));
}

// Refuses members of `map` outside `allowed`.
Status OnlyFields(const Value& map, std::string_view where,
                  std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : map.as_object()) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    return Bad(where.empty() ? key : fmt::format("{}.{}", where, key),
               fmt::format("unknown field (expected one of {})", fmt::join(allowed, ", ")));
  }
  return OkStatus();
}

Result<std::vector<std::string>> StringList(const Value& v, std::string_view field) {
  if (!v.is_array()) return Bad(field, "expected a list of strings");
  std::vector<std::string> out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v.as_array()[i].is_string())
      return Bad(fmt::format("{}[{}]", field, i), "expected a string");
    out.push_back(v.as_array()[i].as_string());
  }
  return out;
}

Result<Severity> SeverityField(const Value& v, std::string_view field) {
  auto severity = v.is_string() ? ParseSeverity(v.as_string()) : std::nullopt;
  if (!severity) return Bad(field, "expected error, warning or info");
  return *severity;
}

Result<RuleMatch> ParseMatch(const Value& v) {
  if (!v.is_object()) return Bad("match", "expected a map");
  CAPSTAN_TRY(OnlyFields(v, "match", {"kinds", "labels", "namespaces"}));
  RuleMatch match;
  if (const Value* kinds = v.Find("kinds")) {
    auto list = StringList(*kinds, "match.kinds");
    if (!list.ok()) return std::move(list).error();
    match.kinds = std::move(list).value();
  }
  if (const Value* namespaces = v.Find("namespaces")) {
    auto list = StringList(*namespaces, "match.namespaces");
    if (!list.ok()) return std::move(list).error();
    match.namespaces = std::move(list).value();
  }
  if (const Value* labels = v.Find("labels")) {
    if (!labels->is_object()) return Bad("match.labels", "expected a map of label values");
    for (const auto& [key, value] : labels->as_object()) {
      if (!value.is_string())
        return Bad(internal::AppendKey("match.labels", key), "expected a string");
      match.labels.emplace(key, value.as_string());
    }
  }
  return match;
}

Result<Condition> ParseCondition(const Value& v, std::string_view field) {
  if (!v.is_object()) return Bad(field, "expected a map with a path and one operator");
  Condition out;
  const Value* path = v.Find("path");
  if (path == nullptr || !path->is_string())
    return Bad(fmt::format("{}.path", field), "expected a string");
  out.path = path->as_string();
  int operators = 0;
  for (const Value::Member& member : v.as_object()) {
    const std::string& key = member.first;
    const Value& operand = member.second;
    if (key == "path") continue;
    auto op = std::find_if(std::begin(kAllOps), std::end(kAllOps),
                           [&key](ConditionOp o) { return ConditionOpName(o) == key; });
    if (op == std::end(kAllOps)) {
      return Bad(fmt::format("{}.{}", field, key),
                 "unknown operator (expected exists, equals, notEquals, oneOf, notOneOf, "
                 "matches, notMatches, lessThan, lessThanOrEqual, greaterThan or "
                 "greaterThanOrEqual)");
    }
    out.op = *op;
    out.operand = operand;
    ++operators;
  }
  if (operators != 1) {
    return Bad(field,
               fmt::format("expected exactly one operator besides path, found {}", operators));
  }
  auto compiled = internal::CompileCondition(out);
  if (!compiled.ok()) {
    return Error::Invalid(fmt::format("{}.{}", field, compiled.error().message()));
  }
  return out;
}

bool IsKebabCase(const std::string& id) {
  static const std::regex kKebab("^[a-z0-9]+(-[a-z0-9]+)*$");
  return id.size() <= 63 && std::regex_match(id, kKebab);
}

// Parses one entry of `rules`; errors are relative to the rule.
Result<UserRule> ParseRule(const Value& v) {
  if (!v.is_object()) return Bad("", "expected a map");
  CAPSTAN_TRY(OnlyFields(v, "", {"id", "severity", "description", "helpUri", "match", "require"}));
  UserRule rule;
  if (const Value* severity = v.Find("severity")) {
    auto parsed = SeverityField(*severity, "severity");
    if (!parsed.ok()) return std::move(parsed).error();
    rule.rule.severity = *parsed;
  }
  const Value* description = v.Find("description");
  if (description == nullptr || !description->is_string() || description->as_string().empty()) {
    return Bad("description", "expected a one-line description of what the rule requires");
  }
  rule.rule.description = description->as_string();
  if (const Value* uri = v.Find("helpUri")) {
    if (!uri->is_string()) return Bad("helpUri", "expected a string");
    rule.rule.help_uri = uri->as_string();
  }
  if (const Value* match = v.Find("match")) {
    auto parsed = ParseMatch(*match);
    if (!parsed.ok()) return std::move(parsed).error();
    rule.match = std::move(parsed).value();
  }
  const Value* require = v.Find("require");
  if (require == nullptr || !require->is_array() || require->empty()) {
    return Bad("require", "expected a non-empty list of conditions");
  }
  for (size_t i = 0; i < require->size(); ++i) {
    auto condition = ParseCondition(require->as_array()[i], fmt::format("require[{}]", i));
    if (!condition.ok()) return std::move(condition).error();
    rule.require.push_back(std::move(condition).value());
  }
  return rule;
}

Result<std::vector<UserRule>> ParseRules(const Value& rules, std::string_view source) {
  if (!rules.is_array()) return Bad("rules", "expected a list");
  std::vector<UserRule> out;
  for (size_t i = 0; i < rules.size(); ++i) {
    const Value& v = rules.as_array()[i];
    const Value* id = v.Find("id");
    std::string where = fmt::format("rules[{}]", i);
    if (id == nullptr || !id->is_string()) return Bad(where + ".id", "expected a string");
    const std::string& name = id->as_string();
    if (!IsKebabCase(name)) {
      return Bad(where + ".id", fmt::format("\"{}\" is not a kebab-case id like team-label", name));
    }
    if (internal::FindBuiltin(name) != nullptr) {
      return Bad(where + ".id", fmt::format("\"{}\" is a built-in rule; choose another id", name));
    }
    for (const UserRule& earlier : out) {
      if (earlier.rule.id == name)
        return Bad(where + ".id", fmt::format("\"{}\" is defined twice", name));
    }
    auto rule = ParseRule(v);
    if (!rule.ok()) return std::move(rule).error().Wrap(fmt::format("rule \"{}\"", name));
    rule->rule.id = name;
    rule->source = std::string(source);
    out.push_back(std::move(rule).value());
  }
  return out;
}

bool Names(const PolicyConfig& config, const std::string& id) {
  if (internal::FindBuiltin(id) != nullptr) return true;
  return std::any_of(config.user_rules.begin(), config.user_rules.end(),
                     [&](const UserRule& r) { return r.rule.id == id; });
}

std::string NoSuchRule(const std::string& id) {
  return fmt::format("no rule is called \"{}\" (`capstan lint --list-rules` lists them)", id);
}

Result<PolicyConfig> ParseDocument(const Value& doc, std::string_view source) {
  if (!doc.is_object()) {
    return Error::Invalid(
        fmt::format("expected a map with apiVersion {} and kind {}", kApiVersion, kKind));
  }
  CAPSTAN_TRY(
      OnlyFields(doc, "", {"apiVersion", "kind", "metadata", "rules", "disable", "severities"}));
  if (doc.StringAt({"apiVersion"}) != kApiVersion)
    return Bad("apiVersion", fmt::format("expected {}", kApiVersion));
  if (doc.StringAt({"kind"}) != kKind) return Bad("kind", fmt::format("expected {}", kKind));
  PolicyConfig config;
  if (const Value* rules = doc.Find("rules"); rules != nullptr && !rules->is_null()) {
    auto parsed = ParseRules(*rules, source);
    if (!parsed.ok()) return std::move(parsed).error();
    config.user_rules = std::move(parsed).value();
  }
  if (const Value* disable = doc.Find("disable"); disable != nullptr && !disable->is_null()) {
    auto ids = StringList(*disable, "disable");
    if (!ids.ok()) return std::move(ids).error();
    for (size_t i = 0; i < ids->size(); ++i) {
      if (!Names(config, (*ids)[i]))
        return Bad(fmt::format("disable[{}]", i), NoSuchRule((*ids)[i]));
      config.disabled.insert((*ids)[i]);
    }
  }
  if (const Value* severities = doc.Find("severities");
      severities != nullptr && !severities->is_null()) {
    if (!severities->is_object()) return Bad("severities", "expected a map of rule id to severity");
    for (const auto& [id, value] : severities->as_object()) {
      std::string field = internal::AppendKey("severities", id);
      if (!Names(config, id)) return Bad(field, NoSuchRule(id));
      auto severity = SeverityField(value, field);
      if (!severity.ok()) return std::move(severity).error();
      config.severities[id] = *severity;
    }
  }
  return config;
}

}  // namespace

Result<PolicyConfig> ParsePolicy(std::string_view text, std::string_view source) {
  auto doc = ParseYaml(text, source);
  if (!doc.ok()) return std::move(doc).error();  // already names source:line:column
  if (doc->is_null()) {
    return Error::Invalid(
        fmt::format("{}: the policy file is empty (expected apiVersion {}, kind {})", source,
                    kApiVersion, kKind));
  }
  auto config = ParseDocument(*doc, source);
  if (!config.ok()) return std::move(config).error().Wrap(source);
  return config;
}

Result<PolicyConfig> LoadPolicyFile(const std::filesystem::path& path) {
  auto text = ReadFileBounded(path, kMaxPolicyBytes);
  if (!text.ok()) return std::move(text).error().Wrap("read policy file");
  return ParsePolicy(*text, path.string());
}

}  // namespace capstan::policy
