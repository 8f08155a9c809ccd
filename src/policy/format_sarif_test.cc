// SARIF output checked against the 2.1.0 specification (OASIS, sections named below): the
// required properties, enumerations, cross-references and the property names each object
// allows (the schema sets additionalProperties false on them). Two checks go beyond the spec
// because capstan promises them: every result has a ruleId from tool.driver.rules, and
// locations.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <set>

#include "core/json.h"
#include "policy/internal/testing.h"
#include "policy/policy.h"

namespace capstan::policy {
namespace {

class SarifChecker {
 public:
  std::vector<std::string> problems;

  void Check(const Value& log) {
    Keys(log, "sarifLog", {"$schema", "version", "runs", "inlineExternalProperties", "properties"});
    // 3.13.2: version is required and is "2.1.0".
    Expect(log.StringAt({"version"}) == "2.1.0", "sarifLog.version must be \"2.1.0\"");
    const Value* runs = log.Find("runs");
    if (!Expect(runs && runs->is_array(), "sarifLog.runs must be an array (3.13.4)")) return;
    for (const Value& run : runs->as_array()) CheckRun(run);
  }

 private:
  bool Expect(bool ok, const std::string& problem) {
    if (!ok) problems.push_back(problem);
    return ok;
  }

  void Keys(const Value& v, const std::string& what, const std::set<std::string>& allowed) {
    if (!Expect(v.is_object(), what + " must be an object")) return;
    for (const auto& [key, value] : v.as_object()) {
      Expect(allowed.count(key) != 0,
             fmt::format("{} has a property the schema does not allow: {}", what, key));
    }
  }

  void CheckMessage(const Value* message, const std::string& what) {
    // 3.11: a message object with text (or id, which capstan does not use).
    if (!Expect(message != nullptr, what + " is required")) return;
    Keys(*message, what, {"text", "markdown", "id", "arguments", "properties"});
    Expect(!message->StringAt({"text"}).empty(), what + ".text must be a non-empty string");
  }

  static bool IsAbsoluteUri(std::string_view uri) {
    size_t colon = uri.find(':');
    return colon != std::string_view::npos && colon > 0 && uri.find(' ') == std::string_view::npos;
  }

  // RFC 3986 URI reference: no spaces or backslashes, '%' always followed by two hex digits.
  static bool IsUriReference(std::string_view uri) {
    for (size_t i = 0; i < uri.size(); ++i) {
      unsigned char c = uri[i];
      if (c <= ' ' || c >= 0x7f || c == '\\' || c == '"' || c == '<' || c == '>') return false;
      if (c == '%' &&
          (i + 2 >= uri.size() || !std::isxdigit(static_cast<unsigned char>(uri[i + 1])) ||
           !std::isxdigit(static_cast<unsigned char>(uri[i + 2])))) {
        return false;
      }
    }
    return !uri.empty();
  }

  void CheckLevel(const Value* level, const std::string& what) {
    // 3.27.10 / 3.50.3: the four levels.
    static const std::set<std::string> kLevels = {"none", "note", "warning", "error"};
    if (level == nullptr) return;
    Expect(level->is_string() && kLevels.count(level->as_string()) != 0,
           what + " must be none, note, warning or error");
  }

  void CheckRun(const Value& run) {
    Keys(run, "run",
         {"tool", "results", "invocations", "artifacts", "logicalLocations", "originalUriBaseIds",
          "columnKind", "properties"});
    const Value* driver = run.At({"tool", "driver"});
    // 3.18.2 / 3.19.8: tool.driver with a name.
    if (!Expect(driver != nullptr, "run.tool.driver is required")) return;
    Keys(*run.Find("tool"), "tool", {"driver", "extensions", "properties"});
    Keys(*driver, "toolComponent",
         {"name", "version", "semanticVersion", "informationUri", "rules", "fullName",
          "organization", "properties"});
    Expect(!driver->StringAt({"name"}).empty(), "tool.driver.name is required");
    if (const Value* uri = driver->Find("informationUri")) {
      Expect(uri->is_string() && IsAbsoluteUri(uri->as_string()),
             "tool.driver.informationUri must be an absolute URI");
    }
    std::vector<std::string> rule_ids;
    if (const Value* rules = driver->Find("rules")) {
      if (Expect(rules->is_array(), "tool.driver.rules must be an array")) {
        for (const Value& rule : rules->as_array()) rule_ids.push_back(CheckRule(rule));
      }
    }
    Expect(std::set<std::string>(rule_ids.begin(), rule_ids.end()).size() == rule_ids.size(),
           "rule ids must be unique");
    const Value* results = run.Find("results");
    if (!Expect(results && results->is_array(), "run.results must be an array")) return;
    for (const Value& result : results->as_array()) CheckResult(result, rule_ids);
  }

  std::string CheckRule(const Value& rule) {
    // 3.49: reportingDescriptor; id required.
    Keys(rule, "reportingDescriptor",
         {"id", "name", "shortDescription", "fullDescription", "helpUri", "help",
          "defaultConfiguration", "properties"});
    std::string id(rule.StringAt({"id"}));
    Expect(!id.empty(), "reportingDescriptor.id is required");
    CheckMessage(rule.Find("shortDescription"), "rule " + id + " shortDescription");
    if (const Value* uri = rule.Find("helpUri")) {
      Expect(uri->is_string() && IsAbsoluteUri(uri->as_string()),
             "rule " + id + " helpUri must be an absolute URI (3.49.12)");
    }
    if (const Value* config = rule.Find("defaultConfiguration")) {
      Keys(*config, "reportingConfiguration",
           {"enabled", "level", "rank", "parameters", "properties"});
      CheckLevel(config->Find("level"), "rule " + id + " defaultConfiguration.level");
    }
    return id;
  }

  void CheckResult(const Value& result, const std::vector<std::string>& rule_ids) {
    Keys(result, "result",
         {"ruleId", "ruleIndex", "rule", "kind", "level", "message", "locations", "properties",
          "fingerprints", "partialFingerprints"});
    CheckMessage(result.Find("message"), "result.message");  // 3.27.11: required
    CheckLevel(result.Find("level"), "result.level");
    std::string rule_id(result.StringAt({"ruleId"}));
    Expect(std::find(rule_ids.begin(), rule_ids.end(), rule_id) != rule_ids.end(),
           "result.ruleId " + rule_id + " names no rule in tool.driver.rules");
    if (const Value* index = result.Find("ruleIndex")) {
      // 3.27.6: ruleIndex points at the descriptor whose id is ruleId.
      Expect(index->is_int() && index->as_int() >= 0 &&
                 static_cast<size_t>(index->as_int()) < rule_ids.size() &&
                 rule_ids[index->as_int()] == rule_id,
             "result.ruleIndex must point at rule " + rule_id);
    }
    const Value* locations = result.Find("locations");
    if (!Expect(locations && locations->is_array(), "result.locations must be an array")) return;
    for (const Value& location : locations->as_array()) {
      Keys(location, "location",
           {"id", "physicalLocation", "logicalLocations", "message", "annotations", "relationships",
            "properties"});
      if (const Value* physical = location.Find("physicalLocation")) {
        Keys(*physical, "physicalLocation",
             {"address", "artifactLocation", "region", "contextRegion", "properties"});
        const Value* artifact = physical->Find("artifactLocation");
        // 3.29.2: at least one of address and artifactLocation.
        if (Expect(artifact != nullptr, "physicalLocation needs artifactLocation")) {
          Keys(*artifact, "artifactLocation",
               {"uri", "uriBaseId", "index", "description", "properties"});
          Expect(IsUriReference(artifact->StringAt({"uri"})),
                 "artifactLocation.uri must be a URI reference: " +
                     std::string(artifact->StringAt({"uri"})));
        }
      }
      if (const Value* logical = location.Find("logicalLocations")) {
        if (!Expect(logical->is_array(), "logicalLocations must be an array")) continue;
        for (const Value& l : logical->as_array()) {
          Keys(l, "logicalLocation",
               {"name", "index", "fullyQualifiedName", "decoratedName", "parentIndex", "kind",
                "properties"});
          Expect(!l.StringAt({"fullyQualifiedName"}).empty(),
                 "logicalLocation.fullyQualifiedName names the object");
        }
      }
    }
  }
};

Value SarifOf(const Report& report, const SarifOptions& options = {}) {
  auto doc = ParseJson(FormatSarif(report, options), "report.sarif");
  EXPECT_TRUE(doc.ok()) << doc.error().message();
  return doc.ok() ? *doc : Value();
}

TEST(SarifFormat, MeetsTheSpecificationForARealReport) {
  auto config = LoadPolicyFile("testdata/policies/team.yaml");
  ASSERT_TRUE(config.ok());
  Report report = Evaluate(testing::LoadFixture("testdata/rules/user-rules.yaml"), *config);
  ASSERT_FALSE(report.findings.empty());
  Value log = SarifOf(report, {"0.1.0"});
  SarifChecker checker;
  checker.Check(log);
  EXPECT_TRUE(checker.problems.empty()) << ::testing::PrintToString(checker.problems);
  EXPECT_EQ(log.At({"runs"})->as_array()[0].At({"results"})->size(), report.findings.size());
}

TEST(SarifFormat, TheCheckerCatchesBrokenLogs) {
  // The checker is only worth something if it fails on what the spec forbids.
  Value log = SarifOf(Report{});
  log.Set("version", "2.0.0");
  log["runs"].as_array()[0]["tool"]["driver"].Erase("name");
  log["runs"].as_array()[0]["results"].as_array().push_back(Value::MakeObject());
  SarifChecker checker;
  checker.Check(log);
  EXPECT_EQ(checker.problems,
            (std::vector<std::string>{"sarifLog.version must be \"2.1.0\"",
                                      "tool.driver.name is required", "result.message is required",
                                      "result.ruleId  names no rule in tool.driver.rules",
                                      "result.locations must be an array"}));
}

TEST(SarifFormat, RulesCarryLevelsAndHelpLinks) {
  Report report = Evaluate({}, {});
  Value log = SarifOf(report, {"", "https://docs.example.com/policy.md"});
  const Value& run = log.At({"runs"})->as_array()[0];
  const Value* rules = run.At({"tool", "driver", "rules"});
  ASSERT_EQ(rules->size(), BuiltinRules().size());
  const Value& first = rules->as_array()[0];
  EXPECT_EQ(first.StringAt({"id"}), "latest-tag");
  EXPECT_EQ(first.StringAt({"helpUri"}), "https://docs.example.com/policy.md#latest-tag");
  EXPECT_EQ(first.StringAt({"defaultConfiguration", "level"}), "error");
  EXPECT_EQ(run.At({"tool", "driver", "version"}), nullptr);
  for (const Value& rule : rules->as_array()) {
    if (rule.StringAt({"id"}) == "recommended-labels") {
      EXPECT_EQ(rule.StringAt({"defaultConfiguration", "level"}), "note");
    }
  }
}

TEST(SarifFormat, ResultsPointAtTheFileAndTheObject) {
  Report report;
  report.rules = {{"latest-tag", Severity::kError, "pinned", "latest-tag", ""},
                  {"team-label", Severity::kWarning, "team", "", "https://wiki.example.com/t"}};
  report.findings = {{"team-label",
                      Severity::kWarning,
                      {"apps", "Deployment", "shop", "web"},
                      "overlays/prod env/deploy#1.yaml",
                      "metadata.labels.team",
                      std::nullopt,
                      "is missing"},
                     {"latest-tag",
                      Severity::kError,
                      {"", "Pod", "", "generated"},
                      "",
                      "spec.containers[0].image",
                      Value("nginx"),
                      "latest is not a version"}};
  Value log = SarifOf(report);
  const Value* results = log.At({"runs"})->as_array()[0].Find("results");
  ASSERT_EQ(results->size(), 2u);
  const Value& first = results->as_array()[0];
  EXPECT_EQ(first.StringAt({"ruleId"}), "team-label");
  EXPECT_EQ(*first.Find("ruleIndex"), Value(1));
  EXPECT_EQ(first.StringAt({"level"}), "warning");
  EXPECT_EQ(first.StringAt({"message", "text"}), report.findings[0].Summary());
  const Value& location = first.Find("locations")->as_array()[0];
  EXPECT_EQ(location.StringAt({"physicalLocation", "artifactLocation", "uri"}),
            "overlays/prod%20env/deploy%231.yaml");
  const Value& logical = location.Find("logicalLocations")->as_array()[0];
  EXPECT_EQ(logical.StringAt({"fullyQualifiedName"}), "apps/Deployment shop/web");
  EXPECT_EQ(logical.StringAt({"name"}), "web");
  EXPECT_EQ(first.StringAt({"properties", "fieldPath"}), "metadata.labels.team");
  // A generated object has no file: only its logical location.
  const Value& second = results->as_array()[1].Find("locations")->as_array()[0];
  EXPECT_EQ(second.Find("physicalLocation"), nullptr);
  EXPECT_EQ(second.Find("logicalLocations")->size(), 1u);
}

}  // namespace
}  // namespace capstan::policy
