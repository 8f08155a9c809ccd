// Strategic merge against goldens produced by the real kustomize (testdata/patches/smp/
// regenerate.sh): each case folder holds target.yaml, patch.yaml and kustomize's want.yaml.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/fs.h"
#include "core/yaml.h"
#include "render/kustomize/patch.h"

namespace capstan::render {
namespace {

constexpr size_t kMaxFixture = 1 << 20;
const std::string kCases = "kustomize/testdata/patches/smp/";

Value ReadOne(const std::string& path) {
  auto text = ReadFileBounded(path, kMaxFixture);
  EXPECT_TRUE(text.ok()) << path;
  if (!text.ok()) return Value();
  auto docs = ParseYamlStream(*text, path);
  EXPECT_TRUE(docs.ok()) << (docs.ok() ? "" : docs.error().message());
  if (!docs.ok()) return Value();
  for (const auto& doc : *docs) {
    if (!doc.value.is_null()) return doc.value;
  }
  return Value();  // kustomize printed nothing: the object was deleted
}

class StrategicMergeGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(StrategicMergeGolden, MatchesKustomize) {
  const std::string dir = kCases + GetParam() + "/";
  SCOPED_TRACE(dir);
  Value target = ReadOne(dir + "target.yaml");
  Value patch = ReadOne(dir + "patch.yaml");
  Value want = ReadOne(dir + "want.yaml");
  ASSERT_TRUE(target.is_object());
  // kustomize restores the target's identity after merging (identity-kept).
  Status status = ApplyStrategicMergePatch(target, patch, SmpOptions{});
  ASSERT_TRUE(status.ok()) << status.error().message();
  // Value equality ignores map key order (kustomize sorts keys) but not list order.
  EXPECT_EQ(target, want) << "got:\n" << EmitYaml(target) << "want:\n" << EmitYaml(want);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, StrategicMergeGolden,
    ::testing::Values("containers-merge-by-name", "container-ports-two-keys",
                      "env-delete-directive", "list-replace-directive", "map-directives",
                      "service-ports-quirks", "finalizers-union", "lists-without-key-replaced",
                      "custom-resource-merge-patch", "volumes-merge-ignores-retainkeys",
                      "kubectl-only-directives-copied", "identity-kept", "new-content-drops-nulls",
                      "delete-whole-object", "element-replace-keeps-target",
                      "element-without-merge-key", "duplicate-keys-in-patch",
                      "primitive-list-replace-and-owner-uids", "list-merge-directive",
                      "null-list-removed"),
    [](const auto& info) {
      std::string name = info.param;
      for (char& c : name) {
        if (c == '-') c = '_';
      }
      return name;
    });

Value Yaml(std::string_view text) {
  auto v = ParseYaml(text, "inline");
  EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().message());
  return v.ok() ? *v : Value();
}

TEST(StrategicMerge, ContainersKeepTheirOrderWhenThePatchNamesOnlyOne) {
  Value target = Yaml(R"(
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - {name: app, image: app:1}
      - {name: sidecar, image: side:1}
)");
  ASSERT_TRUE(ApplyStrategicMergePatch(target, Yaml(R"(
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - {name: app, image: app:2}
)"))
                  .ok());
  EXPECT_EQ(target.At({"spec", "template", "spec"})->Find("containers")->as_array().size(), 2u);
  EXPECT_EQ(EmitYaml(*target.At({"spec", "template", "spec", "containers"})),
            "- name: app\n  image: app:2\n- name: sidecar\n  image: side:1\n");
}

TEST(StrategicMerge, IdentityIsRestoredOnlyWithOptions) {
  Value target = Yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: x}\n");
  Value patch = Yaml("apiVersion: v1\nkind: Secret\nmetadata: {name: b, namespace: y}\n");
  Value plain = target;
  ASSERT_TRUE(ApplyStrategicMergePatch(plain, patch).ok());
  EXPECT_EQ(plain, patch);
  Value kept = target;
  ASSERT_TRUE(ApplyStrategicMergePatch(kept, patch, SmpOptions{}).ok());
  EXPECT_EQ(kept, target);
  ASSERT_TRUE(ApplyStrategicMergePatch(target, patch, SmpOptions{true, true}).ok());
  EXPECT_EQ(target, Yaml("apiVersion: v1\nkind: Secret\nmetadata: {name: b, namespace: x}\n"));
}

struct ErrorCase {
  const char* name;
  const char* target;
  const char* patch;
  const char* message;  // a part of the error
};

TEST(StrategicMerge, ErrorsNameTheField) {
  const ErrorCase cases[] = {
      {"map patch onto a list",
       "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  "
       "containers: [{name: a}]\n",
       "spec:\n  containers: {name: a}\n", "spec.containers"},
      {"list patch onto a scalar",
       "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
       "data: {a: x}\n",
       "data:\n  a: [1]\n", "data.a"},
      {"unknown directive on a map",
       "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
       "data: {a: x}\n",
       "data:\n  $patch: remove\n", "unknown patch strategy"},
      {"unknown directive in a list",
       "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a}]\n",
       "spec:\n  containers:\n  - $patch: drop\n", "spec.containers: unknown patch strategy"},
  };
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.name);
    Value target = Yaml(c.target);
    Value before = target;
    Status status = ApplyStrategicMergePatch(target, Yaml(c.patch));
    ASSERT_FALSE(status.ok());
    EXPECT_NE(status.error().message().find(c.message), std::string::npos)
        << status.error().message();
    EXPECT_EQ(target, before);
  }
}

}  // namespace
}  // namespace capstan::render
