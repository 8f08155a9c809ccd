#include "diff/diff.h"

#include <gtest/gtest.h>

#include "diff/internal/test_support.h"

namespace capstan::diff {
namespace {

using testing::LoadManifests;
using testing::LoadOne;
using testing::Yaml;

struct FixtureCase {
  std::string name;
  std::string desired;  // testdata file
  std::string live;     // testdata file
  std::string ignore;   // ignoreDifferences YAML, may be empty
  bool apply_defaults = true;
  // "Kind/name: path" of every field change, in order.
  std::vector<std::string> changes;
  DiffSummary summary;
};

std::vector<std::string> ChangeList(const DiffSet& set) {
  std::vector<std::string> out;
  for (const ObjectDiff& object : set.objects) {
    for (const FieldChange& change : object.changes) {
      out.push_back(object.key.kind + "/" + object.key.name + ": " + change.path);
    }
  }
  return out;
}

TEST(DiffAll, Fixtures) {
  const std::string kDeploy = "testdata/deployment/";
  const std::string kHpaManager =
      "- {group: apps, kind: Deployment, managedFieldsManagers: [kube-controller-manager]}";
  const std::vector<FixtureCase> cases = {
      {"deployment as the server returns it shows no difference",
       kDeploy + "desired.yaml",
       kDeploy + "live.yaml",
       "",
       true,
       {},
       {1, 0, 0, 0}},
      {"changed image shows only the image",
       kDeploy + "desired-image.yaml",
       kDeploy + "live.yaml",
       "",
       true,
       {"Deployment/web: spec.template.spec.containers[0].image"},
       {0, 1, 0, 0}},
      {"changed replicas shows only replicas",
       kDeploy + "desired-replicas.yaml",
       kDeploy + "live.yaml",
       "",
       true,
       {"Deployment/web: spec.replicas"},
       {0, 1, 0, 0}},
      {"changed env value shows only that value",
       kDeploy + "desired-env.yaml",
       kDeploy + "live.yaml",
       "",
       true,
       {"Deployment/web: spec.template.spec.containers[0].env[0].value"},
       {0, 1, 0, 0}},
      {"replicas dropped from desired compare as their default",
       kDeploy + "desired-no-replicas.yaml",
       kDeploy + "live.yaml",
       "",
       true,
       {"Deployment/web: spec.replicas"},
       {0, 1, 0, 0}},
      {"replicas dropped from desired show as removed without defaults",
       kDeploy + "desired-no-replicas.yaml",
       kDeploy + "live.yaml",
       "",
       false,
       {"Deployment/web: spec.replicas"},
       {0, 1, 0, 0}},
      {"defaults off still shows no difference for the applied deployment",
       kDeploy + "desired.yaml",
       kDeploy + "live.yaml",
       "",
       false,
       {},
       {1, 0, 0, 0}},
      {"env var the last apply set and desired dropped shows as removed",
       kDeploy + "desired.yaml",
       kDeploy + "live-extra-env.yaml",
       "",
       true,
       {"Deployment/web: spec.template.spec.containers[0].env[1]"},
       {0, 1, 0, 0}},
      {"replicas scaled by an autoscaler differ",
       kDeploy + "desired.yaml",
       kDeploy + "live-hpa.yaml",
       "",
       true,
       {"Deployment/web: spec.replicas"},
       {0, 1, 0, 0}},
      {"ignoring the autoscaler's field manager hides its replicas",
       kDeploy + "desired.yaml",
       kDeploy + "live-hpa.yaml",
       kHpaManager,
       true,
       {},
       {1, 0, 0, 0}},
      {"ignoring /spec/replicas by JSON pointer hides replicas",
       kDeploy + "desired-replicas.yaml",
       kDeploy + "live.yaml",
       "- {group: apps, kind: Deployment, name: web, jsonPointers: [/spec/replicas]}",
       true,
       {},
       {1, 0, 0, 0}},
      {"an ignore entry for another object changes nothing",
       kDeploy + "desired-replicas.yaml",
       kDeploy + "live.yaml",
       "- {group: apps, kind: Deployment, name: api, jsonPointers: [/spec/replicas]}",
       true,
       {"Deployment/web: spec.replicas"},
       {0, 1, 0, 0}},
      {"services with allocated IPs and node ports show no difference",
       "testdata/service/desired.yaml",
       "testdata/service/live.yaml",
       "",
       true,
       {},
       {2, 0, 0, 0}},
      {"secret written as stringData equals its stored data",
       "testdata/secret/desired.yaml",
       "testdata/secret/live.yaml",
       "",
       true,
       {},
       {1, 0, 0, 0}},
      {"changed secret value shows as a changed key",
       "testdata/secret/desired-changed.yaml",
       "testdata/secret/live.yaml",
       "",
       true,
       {"Secret/db: data.password"},
       {0, 1, 0, 0}},
      {"statefulset with claim templates shows no difference",
       "testdata/statefulset/desired.yaml",
       "testdata/statefulset/live.yaml",
       "",
       true,
       {},
       {1, 0, 0, 0}},
      {"cluster-scoped kinds and the default namespace pair up",
       "testdata/cluster/desired.yaml",
       "testdata/cluster/live.yaml",
       "",
       true,
       {},
       {3, 0, 0, 0}},
      {"objects only in desired are added and only in live removed",
       kDeploy + "desired.yaml",
       "testdata/service/live.yaml",
       "",
       true,
       {},
       {0, 0, 1, 2}},
  };
  for (const FixtureCase& c : cases) {
    SCOPED_TRACE(c.name);
    DiffOptions options;
    options.apply_defaults = c.apply_defaults;
    if (!c.ignore.empty()) {
      auto ignores = ParseIgnoreDifferences(Yaml(c.ignore), "test");
      ASSERT_TRUE(ignores.ok()) << ignores.error().message();
      options.ignore_differences = *ignores;
    }
    auto set = DiffAll(LoadManifests(c.desired), LoadManifests(c.live), options);
    ASSERT_TRUE(set.ok()) << set.error().message();
    EXPECT_EQ(ChangeList(*set), c.changes);
    EXPECT_EQ(set->summary.unchanged, c.summary.unchanged);
    EXPECT_EQ(set->summary.modified, c.summary.modified);
    EXPECT_EQ(set->summary.added, c.summary.added);
    EXPECT_EQ(set->summary.removed, c.summary.removed);
    if (set->summary.modified > 0) {
      SCOPED_TRACE(PrintUnified(*set, {}));
    }
  }
}

struct ValueCase {
  std::string name;
  std::string desired;
  bool apply_defaults;
  std::optional<Value> before;
  std::optional<Value> after;
};

TEST(Diff, ChangedFieldsCarryBothValues) {
  const std::string kDeploy = "testdata/deployment/";
  const std::vector<ValueCase> cases = {
      {"image", "desired-image.yaml", true, Value("ghcr.io/example/web:1.4.2"),
       Value("ghcr.io/example/web:1.5.0")},
      {"replicas", "desired-replicas.yaml", true, Value(3), Value(5)},
      {"replicas reset to the default", "desired-no-replicas.yaml", true, Value(3), Value(1)},
      {"replicas removed, defaults off", "desired-no-replicas.yaml", false, Value(3), std::nullopt},
  };
  Value live = LoadOne(kDeploy + "live.yaml");
  for (const ValueCase& c : cases) {
    SCOPED_TRACE(c.name);
    Value desired = LoadOne(kDeploy + c.desired);
    DiffOptions options;
    options.apply_defaults = c.apply_defaults;
    auto result = Diff(&desired, &live, options);
    ASSERT_TRUE(result.ok()) << result.error().message();
    ASSERT_EQ(result->changes.size(), 1u);
    EXPECT_EQ(result->change, Change::kModified);
    EXPECT_EQ(result->changes[0].before, c.before);
    EXPECT_EQ(result->changes[0].after, c.after);
  }
}

// Custom resources may use "" as a map key; dropping it from the manifest is a removal
// like any other key.
TEST(Diff, EmptyKeyTheLastApplySetAndDesiredDroppedShowsAsRemoved) {
  Value desired = Yaml(
      "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: default}\n"
      "spec:\n  routes: {b: one}\n");
  Value live = Yaml(
      "apiVersion: example.com/v1\nkind: Widget\n"
      "metadata:\n  name: w\n  namespace: default\n  annotations:\n"
      "    kubectl.kubernetes.io/last-applied-configuration: '{\"apiVersion\":"
      "\"example.com/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"w\",\"namespace\":"
      "\"default\"},\"spec\":{\"routes\":{\"\":\"zero\",\"b\":\"one\"}}}'\n"
      "spec:\n  routes: {'': zero, b: one}\n");
  auto result = Diff(&desired, &live, {});
  ASSERT_TRUE(result.ok()) << result.error().message();
  EXPECT_EQ(result->change, Change::kModified);
  ASSERT_EQ(result->changes.size(), 1u);
  EXPECT_EQ(result->changes[0].before, Value("zero"));
  EXPECT_EQ(result->changes[0].after, std::nullopt);
}

TEST(Diff, NormalizedSidesHoldNoServerFields) {
  Value desired = LoadOne("testdata/deployment/desired-image.yaml");
  Value live = LoadOne("testdata/deployment/live.yaml");
  auto result = Diff(&desired, &live, {});
  ASSERT_TRUE(result.ok());
  for (const Value* side : {&result->desired, &result->live}) {
    EXPECT_EQ(side->Find("status"), nullptr);
    EXPECT_EQ(side->At({"metadata", "managedFields"}), nullptr);
    EXPECT_EQ(side->At({"metadata", "resourceVersion"}), nullptr);
    EXPECT_EQ(side->At({"metadata", "uid"}), nullptr);
    EXPECT_EQ(side->At({"metadata", "annotations"}), nullptr);
    EXPECT_EQ(side->StringAt({"metadata", "namespace"}), "default");
  }
  EXPECT_EQ(result->key.ToString(), "apps/Deployment default/web");
}

TEST(Diff, MissingSidesAreAddedOrRemoved) {
  Value object = LoadOne("testdata/deployment/desired.yaml");
  auto added = Diff(&object, nullptr, {});
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(added->change, Change::kAdded);
  EXPECT_TRUE(added->live.is_null());
  // Shown as written: no defaults invented for an object that does not exist yet.
  EXPECT_EQ(added->desired.At({"spec", "strategy"}), nullptr);
  auto removed = Diff(nullptr, &object, {});
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(removed->change, Change::kRemoved);
  EXPECT_TRUE(removed->desired.is_null());
}

TEST(Diff, RefusesBadInput) {
  Value web = LoadOne("testdata/deployment/desired.yaml");
  Value other = web;
  other["metadata"].Set("name", "api");
  Value no_kind = Yaml("apiVersion: v1\nmetadata: {name: x}\n");
  DiffOptions jq;
  jq.ignore_differences.push_back({"apps", "Deployment", "", "", {}, {".spec.replicas"}, {}});
  DiffOptions bad_pointer;
  bad_pointer.ignore_differences.push_back(
      {"apps", "Deployment", "", "", {"spec/replicas"}, {}, {}});
  struct Case {
    std::string name;
    const Value* desired;
    const Value* live;
    DiffOptions options;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"different objects", &web, &other, {}, "are different objects"},
      {"no kind", &no_kind, nullptr, {}, "desired: kind: missing"},
      {"jq expressions", &web, &web, jq, "jqPathExpressions are not supported"},
      {"pointer without a slash", &web, &web, bad_pointer, "must start with \"/\""},
      {"nothing at all", nullptr, nullptr, {}, "neither"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto result = Diff(c.desired, c.live, c.options);
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.error().message().find(c.message), std::string::npos)
        << result.error().message();
  }
}

TEST(DiffAll, RefusesTheSameObjectTwice) {
  auto desired = LoadManifests("testdata/deployment/desired.yaml");
  desired.push_back({desired.front().object, "copy.yaml"});
  auto set = DiffAll(desired, {}, {});
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.error().code(), ErrorCode::kConflict);
  EXPECT_NE(set.error().message().find("apps/Deployment default/web is defined twice: in "
                                       "testdata/deployment/desired.yaml and in copy.yaml"),
            std::string::npos)
      << set.error().message();
}

TEST(ParseIgnoreDifferences, ReadsArgoCdShapes) {
  struct Case {
    std::string name;
    std::string yaml;
    size_t entries;
    std::string error;  // empty: must parse
  };
  const std::vector<Case> cases = {
      {"a plain list", "- {group: apps, kind: Deployment, jsonPointers: [/spec/replicas]}", 1, ""},
      {"an Application",
       "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: a}\nspec:\n"
       "  ignoreDifferences:\n  - {kind: Service, managedFieldsManagers: [m]}\n"
       "  - {group: apps, kind: Deployment, name: web, namespace: prod}\n",
       2, ""},
      {"a map with ignoreDifferences", "ignoreDifferences: []", 0, ""},
      {"a misspelt field", "- {kind: Service, jsonPointer: [/spec]}", 0,
       "test: ignoreDifferences[0].jsonPointer: unknown field"},
      {"no kind", "- {group: apps}", 0, "ignoreDifferences[0].kind: missing"},
      {"pointers not a list", "- {kind: Service, jsonPointers: /spec}", 0,
       "jsonPointers: expected a list of strings"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto parsed = ParseIgnoreDifferences(Yaml(c.yaml), "test");
    if (c.error.empty()) {
      ASSERT_TRUE(parsed.ok()) << parsed.error().message();
      EXPECT_EQ(parsed->size(), c.entries);
    } else {
      ASSERT_FALSE(parsed.ok());
      EXPECT_NE(parsed.error().message().find(c.error), std::string::npos)
          << parsed.error().message();
    }
  }
}

}  // namespace
}  // namespace capstan::diff
