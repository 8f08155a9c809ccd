// Secret values must not appear in any output of Diff, whatever changed.
#include <gtest/gtest.h>

#include "core/json.h"
#include "core/yaml.h"
#include "diff/diff.h"
#include "diff/internal/test_support.h"

namespace capstan::diff {
namespace {

// Plain values and their base64 in testdata/secret/*.yaml.
const std::vector<std::string> kSecretValues = {
    "s3cr3t-Passw0rd",   "czNjcjN0LVBhc3N3MHJk",
    "n3w-Passw0rd-2024", "bjN3LVBhc3N3MHJkLTIwMjQ=",
    "YWRtaW4=",          "admin",
};

std::vector<std::string> EveryOutput(const DiffSet& set) {
  std::vector<std::string> out = {PrintUnified(set, {}), PrintUnified(set, {true, 3}),
                                  PrintJson(set), PrintJson(set, -1)};
  for (const ObjectDiff& object : set.objects) {
    out.push_back(EmitYaml(object.desired.is_null() ? Value() : object.desired));
    out.push_back(EmitYaml(object.live.is_null() ? Value() : object.live));
    for (const FieldChange& change : object.changes) {
      if (change.before) out.push_back(EmitJson(*change.before));
      if (change.after) out.push_back(EmitJson(*change.after));
    }
  }
  return out;
}

TEST(Redaction, NoSecretValueInAnyOutput) {
  const std::string kDir = "testdata/secret/";
  struct Case {
    std::string name;
    std::string desired;  // empty: missing
    std::string live;
    Change change;
  };
  const std::vector<Case> cases = {
      {"unchanged", "desired.yaml", "live.yaml", Change::kUnchanged},
      {"changed password", "desired-changed.yaml", "live.yaml", Change::kModified},
      {"only desired", "desired-changed.yaml", "", Change::kAdded},
      {"only live", "", "live.yaml", Change::kRemoved},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<Manifest> desired, live;
    if (!c.desired.empty()) desired = testing::LoadManifests(kDir + c.desired);
    if (!c.live.empty()) live = testing::LoadManifests(kDir + c.live);
    auto set = DiffAll(desired, live, {});
    ASSERT_TRUE(set.ok()) << set.error().message();
    ASSERT_EQ(set->objects.size(), 1u);
    EXPECT_EQ(set->objects[0].change, c.change);
    for (const std::string& output : EveryOutput(*set)) {
      for (const std::string& secret : kSecretValues) {
        EXPECT_EQ(output.find(secret), std::string::npos) << secret << " in:\n" << output;
      }
    }
  }
}

TEST(Redaction, AChangedValueStillShowsAsChanged) {
  auto set = DiffAll(testing::LoadManifests("testdata/secret/desired-changed.yaml"),
                     testing::LoadManifests("testdata/secret/live.yaml"), {});
  ASSERT_TRUE(set.ok());
  const ObjectDiff& secret = set->objects.at(0);
  ASSERT_EQ(secret.changes.size(), 1u);
  EXPECT_EQ(secret.changes[0].path, "data.password");
  EXPECT_EQ(secret.changes[0].before, Value("++++++++"));
  EXPECT_EQ(secret.changes[0].after, Value("++++++++ (changed)"));
  EXPECT_EQ(secret.desired.StringAt({"data", "username"}), "++++++++");
  std::string unified = PrintUnified(*set, {});
  EXPECT_NE(unified.find("-  password: ++++++++\n+  password: ++++++++ (changed)\n"),
            std::string::npos)
      << unified;
}

TEST(Redaction, AddedAndRemovedKeysAreMaskedToo) {
  Value desired = testing::Yaml(
      "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {token: dG9rZW4tdmFsdWU=}\n");
  // The last apply set `old`, desired no longer does: applying removes it.
  Value live = testing::Yaml(R"(
apiVersion: v1
kind: Secret
metadata:
  name: s
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"data":{"old":"b2xkLXZhbHVl"}}'
data: {old: b2xkLXZhbHVl}
)");
  auto result = Diff(&desired, &live, {});
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->changes.size(), 2u);
  EXPECT_EQ(result->changes[0].path, "data.token");
  EXPECT_EQ(result->changes[0].after, Value("++++++++"));
  EXPECT_EQ(result->changes[1].path, "data.old");
  EXPECT_EQ(result->changes[1].before, Value("++++++++"));
}

TEST(Redaction, ConfigMapsAreNotMasked) {
  Value desired =
      testing::Yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n");
  Value live =
      testing::Yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: c}\n");
  auto result = Diff(&desired, &live, {});
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->changes.size(), 1u);
  EXPECT_EQ(result->changes[0].after, Value("b"));
}

}  // namespace
}  // namespace capstan::diff
