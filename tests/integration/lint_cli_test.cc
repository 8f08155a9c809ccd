// `capstan lint` as a user runs it: the built binary on the policy module's fixtures, through
// the real render path (plain YAML, native Kustomize, the real `helm template`). Checks exit
// codes, what the reports say, and that JSON and SARIF output parse.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/value.h"
#include "support/run.h"

namespace capstan {
namespace {

namespace fs = std::filesystem;

const std::string kSourceDir = CAPSTAN_SOURCE_DIR;
const std::string kPolicyDir = kSourceDir + "/src/policy";

struct LintRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `capstan lint ARGS` in `cwd`, by default the policy module's folder, so fixture paths
// are `testdata/...`; --root pins the repository root whatever checkout this runs in.
LintRun Lint(const std::vector<std::string>& args, const std::string& cwd = kPolicyDir) {
  std::vector<std::string> argv = {CAPSTAN_BINARY, "lint"};
  argv.insert(argv.end(), args.begin(), args.end());
  capstan::it::RunOutput output = capstan::it::RunProgram(argv, cwd);
  LintRun run;
  run.exit_code = output.exit_code;
  run.out = std::move(output.out);
  run.err = std::move(output.err);
  return run;
}

struct ExitCase {
  std::string name;
  std::vector<std::string> args;
  int exit_code;
  std::string out_contains;  // "" = no check
  std::string err_contains;  // "" = stderr must be empty
};

TEST(LintCli, ExitCodes) {
  const std::vector<ExitCase> cases = {
      {"a clean folder", {"testdata/good"}, 0, "no findings from 15 rules", ""},
      {"errors fail by default",
       {"testdata/rules/latest-tag.yaml"},
       1,
       "error latest-tag apps/Deployment untagged: spec.template.spec.containers[0].image "
       "\"nginx\": no tag means latest, and latest is not a version: pin a tag or digest",
       ""},
      {"warnings alone pass by default",
       {"testdata/lint/warnings-only"},
       0,
       "3 findings: 0 errors, 3 warnings, 0 info",
       ""},
      {"--fail-on warning fails on warnings",
       {"testdata/lint/warnings-only", "--fail-on", "warning"},
       1,
       "",
       ""},
      {"--fail-on info fails on any finding",
       {"testdata/lint/warnings-only", "--fail-on", "info"},
       1,
       "",
       ""},
      {"--fail-on none never fails",
       {"testdata/rules/latest-tag.yaml", "--fail-on", "none"},
       0,
       "",
       ""},
      {"--disable drops a rule's findings",
       {"testdata/lint/warnings-only", "--fail-on", "warning", "--disable",
        "missing-resources,missing-readiness-probe", "--disable", "missing-liveness-probe"},
       0,
       "no findings from 12 rules",
       ""},
      {"a Kustomize overlay reaching ../base",
       {"testdata/lint/kustomize/overlays/prod", "--root", kSourceDir},
       0,
       "no findings",
       ""},
      {"an overlay that sets the latest tag",
       {"testdata/lint/kustomize/overlays/broken", "--root", kSourceDir},
       1,
       "testdata/lint/kustomize/base/deployment.yaml: error latest-tag apps/Deployment "
       "shop-staging/api",
       ""},
      {"a Helm chart rendered by the real helm",
       {"testdata/lint/chart"},
       1,
       "templates/deployment.yaml: error latest-tag apps/Deployment chart: "
       "spec.template.spec.containers[0].image \"nginx:latest\"",
       ""},
      {"Helm --set reaches the chart",
       {"testdata/lint/chart", "--set", "image.tag=1.27.3"},
       0,
       "5 findings: 0 errors",
       ""},
      {"Helm values files reach the chart",
       {"testdata/lint/chart", "-f", "testdata/lint/chart/pinned-values.yaml"},
       0,
       "0 errors",
       ""},
      {"a malformed --set",
       {"testdata/lint/chart", "--set", "image.tag"},
       2,
       "",
       "capstan lint: --set image.tag: expected NAME=VALUE"},
      {"a user rule from a policy file",
       {"testdata/lint/kustomize/overlays/prod", "--root", kSourceDir, "--policy",
        "testdata/lint/policy/prod.yaml"},
       1,
       "error min-replicas apps/Deployment shop-prod/api: spec.replicas 2: must be at least 3",
       ""},
      {"a bad policy file",
       {"testdata/good", "--policy", "testdata/lint/policy/bad.yaml"},
       2,
       "",
       "capstan lint: testdata/lint/policy/bad.yaml: rule \"replicas\": "
       "require[0].greaterThan: expected a number"},
      {"a missing policy file",
       {"testdata/good", "--policy", "testdata/lint/policy/nope.yaml"},
       2,
       "",
       "testdata/lint/policy/nope.yaml"},
      {"a path that does not exist",
       {"testdata/nope"},
       2,
       "",
       "capstan lint: testdata/nope: no such file or folder"},
      {"an unknown rule to disable",
       {"testdata/good", "--disable", "latest-tags"},
       2,
       "",
       "capstan lint: --disable latest-tags: no rule is called \"latest-tags\""},
      {"an unknown format", {"testdata/good", "--format", "xml"}, 2, "", "--format"},
      {"an unknown --fail-on", {"testdata/good", "--fail-on", "fatal"}, 2, "", "--fail-on"},
      {"no path", {}, 2, "", "PATH is required"},
      {"listing the rules",
       {"--list-rules"},
       0,
       "latest-tag               error    Container images are pinned to a tag or digest",
       ""},
      {"listing a policy's rules and settings",
       {"--list-rules", "--policy", "testdata/policies/team.yaml"},
       0,
       "missing-liveness-probe   off      ",
       ""},
  };
  for (const ExitCase& c : cases) {
    SCOPED_TRACE(c.name);
    LintRun run = Lint(c.args);
    EXPECT_EQ(run.exit_code, c.exit_code) << run.out << run.err;
    if (!c.out_contains.empty()) {
      EXPECT_NE(run.out.find(c.out_contains), std::string::npos) << run.out;
    }
    if (c.err_contains.empty()) {
      EXPECT_EQ(run.err, "");
    } else {
      EXPECT_NE(run.err.find(c.err_contains), std::string::npos) << run.err;
    }
  }
}

TEST(LintCli, PathsRelativeToTheCurrentFolder) {
  const std::string folder = kPolicyDir + "/testdata/lint/warnings-only";
  for (std::string path : {"app.yaml", ".", "./", "../warnings-only"}) {
    SCOPED_TRACE(path);
    LintRun run = Lint({path, "--fail-on", "warning"}, folder);
    EXPECT_EQ(run.exit_code, 1) << run.err;
    EXPECT_NE(run.out.find("3 findings: 0 errors, 3 warnings, 0 info"), std::string::npos);
  }
}

Value ParseOutput(const LintRun& run, const std::string& what) {
  auto doc = ParseJson(run.out, what);
  EXPECT_TRUE(doc.ok()) << (doc.ok() ? "" : doc.error().message()) << "\n" << run.out;
  return doc.ok() ? *doc : Value();
}

TEST(LintCli, JsonReportParsesAndAgreesWithTheExitCode) {
  LintRun run = Lint({"testdata/rules/security.yaml", "--format", "json", "--root", kSourceDir});
  EXPECT_EQ(run.exit_code, 1);
  Value doc = ParseOutput(run, "lint.json");
  EXPECT_EQ(doc.StringAt({"kind"}), "LintReport");
  const Value* findings = doc.Find("findings");
  ASSERT_TRUE(findings != nullptr && findings->is_array());
  ASSERT_FALSE(findings->empty());
  int errors = 0;
  for (const Value& f : findings->as_array()) {
    EXPECT_EQ(f.StringAt({"source"}), "src/policy/testdata/rules/security.yaml");
    EXPECT_FALSE(f.StringAt({"rule"}).empty());
    EXPECT_FALSE(f.StringAt({"object", "name"}).empty());
    if (f.StringAt({"severity"}) == "error") ++errors;
  }
  EXPECT_GT(errors, 0);  // privileged-container
  EXPECT_EQ(*doc.At({"summary", "error"}), Value(errors));
}

TEST(LintCli, SarifReportParsesAndPointsAtRepositoryFiles) {
  LintRun json =
      Lint({"testdata/lint/kustomize/overlays/broken", "--format", "json", "--root", kSourceDir});
  LintRun sarif =
      Lint({"testdata/lint/kustomize/overlays/broken", "--format", "sarif", "--root", kSourceDir});
  EXPECT_EQ(sarif.exit_code, 1);
  Value log = ParseOutput(sarif, "lint.sarif");
  EXPECT_EQ(log.StringAt({"version"}), "2.1.0");
  const Value* runs = log.Find("runs");
  ASSERT_TRUE(runs != nullptr && runs->is_array() && runs->size() == 1);
  const Value& run = runs->as_array()[0];
  EXPECT_EQ(run.StringAt({"tool", "driver", "name"}), "capstan");
  std::set<std::string> rule_ids;
  for (const Value& rule : run.At({"tool", "driver", "rules"})->as_array()) {
    rule_ids.insert(std::string(rule.StringAt({"id"})));
    EXPECT_FALSE(rule.StringAt({"helpUri"}).empty());
  }
  EXPECT_EQ(rule_ids.size(), 15u);
  const Value* results = run.Find("results");
  ASSERT_TRUE(results != nullptr && results->is_array());
  EXPECT_EQ(results->size(), ParseOutput(json, "lint.json").Find("findings")->size());
  ASSERT_FALSE(results->empty());
  for (const Value& result : results->as_array()) {
    EXPECT_EQ(rule_ids.count(std::string(result.StringAt({"ruleId"}))), 1u);
    const Value& location = result.Find("locations")->as_array()[0];
    std::string uri(location.StringAt({"physicalLocation", "artifactLocation", "uri"}));
    EXPECT_EQ(uri, "src/policy/testdata/lint/kustomize/base/deployment.yaml");
    EXPECT_TRUE(fs::exists(kSourceDir + "/" + uri)) << uri;
  }
}

}  // namespace
}  // namespace capstan
