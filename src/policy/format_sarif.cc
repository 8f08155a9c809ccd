// SARIF 2.1.0 (OASIS), the format code-scanning services ingest. One run; rules in
// tool.driver.rules, results pointing at them by id and index. Objects have no line numbers
// after rendering, so locations name the file (physical) and the object (logical).
#include <fmt/format.h>

#include <map>

#include "core/json.h"
#include "policy/policy.h"

namespace capstan::policy {
namespace {

constexpr std::string_view kSchema =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

std::string_view Level(Severity severity) {
  switch (severity) {
    case Severity::kError:
      return "error";
    case Severity::kWarning:
      return "warning";
    case Severity::kInfo:
      return "note";
  }
  return "none";
}

// A relative path as a URI reference (RFC 3986): unreserved characters and '/' stay,
// everything else is percent-encoded, so spaces and '#' survive.
std::string PathToUri(std::string_view path) {
  std::string out;
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

Value Text(std::string text) {
  Value out = Value::MakeObject();
  out.Set("text", std::move(text));
  return out;
}

Value RuleDescriptor(const Rule& rule, const SarifOptions& options) {
  Value out = Value::MakeObject();
  out.Set("id", rule.id);
  out.Set("shortDescription", Text(rule.description));
  if (!rule.doc_anchor.empty()) {
    out.Set("helpUri", fmt::format("{}#{}", options.docs_uri, rule.doc_anchor));
  } else if (!rule.help_uri.empty()) {
    out.Set("helpUri", rule.help_uri);
  }
  Value config = Value::MakeObject();
  config.Set("level", Level(rule.severity));
  out.Set("defaultConfiguration", std::move(config));
  return out;
}

Value Location(const Finding& f) {
  Value location = Value::MakeObject();
  if (!f.source.empty()) {
    Value artifact = Value::MakeObject();
    artifact.Set("uri", PathToUri(f.source));
    Value physical = Value::MakeObject();
    physical.Set("artifactLocation", std::move(artifact));
    location.Set("physicalLocation", std::move(physical));
  }
  Value logical = Value::MakeObject();
  logical.Set("name", f.object.name);
  logical.Set("fullyQualifiedName", f.object.ToString());
  logical.Set("kind", "resource");
  location.Set("logicalLocations", Value::Array{std::move(logical)});
  return location;
}

}  // namespace

std::string FormatSarif(const Report& report, const SarifOptions& options) {
  Value driver = Value::MakeObject();
  driver.Set("name", "capstan");
  if (!options.tool_version.empty()) driver.Set("version", options.tool_version);
  driver.Set("informationUri", options.docs_uri);
  Value rules = Value::MakeArray();
  std::map<std::string, int64_t> index;
  for (const Rule& rule : report.rules) {
    index[rule.id] = static_cast<int64_t>(rules.size());
    rules.as_array().push_back(RuleDescriptor(rule, options));
  }
  driver.Set("rules", std::move(rules));
  Value tool = Value::MakeObject();
  tool.Set("driver", std::move(driver));

  Value results = Value::MakeArray();
  for (const Finding& f : report.findings) {
    Value result = Value::MakeObject();
    result.Set("ruleId", f.rule);
    if (auto it = index.find(f.rule); it != index.end()) result.Set("ruleIndex", it->second);
    result.Set("level", Level(f.severity));
    result.Set("message", Text(f.Summary()));
    result.Set("locations", Value::Array{Location(f)});
    if (!f.path.empty()) {
      Value properties = Value::MakeObject();
      properties.Set("fieldPath", f.path);
      result.Set("properties", std::move(properties));
    }
    results.as_array().push_back(std::move(result));
  }

  Value run = Value::MakeObject();
  run.Set("tool", std::move(tool));
  run.Set("results", std::move(results));
  Value log = Value::MakeObject();
  log.Set("$schema", kSchema);
  log.Set("version", "2.1.0");
  log.Set("runs", Value::Array{std::move(run)});
  return EmitJson(log, 2) + "\n";
}

}  // namespace capstan::policy
