#include "diff/internal/managed_fields.h"

#include <gtest/gtest.h>

#include "diff/internal/steps.h"
#include "diff/internal/test_support.h"

namespace capstan::diff::internal {
namespace {

TEST(ManagedLeaves, ReadsFieldsV1OfTheNamedManagers) {
  Value live = testing::LoadOne("testdata/deployment/live-hpa.yaml");
  const Value& managed = *live.At({"metadata", "managedFields"});
  auto leaves = ManagedLeaves(managed, {"kube-controller-manager"});
  ASSERT_TRUE(leaves.ok()) << leaves.error().message();
  std::vector<std::string> paths;
  for (const FieldPath& path : *leaves) paths.push_back(FieldPathString(path));
  EXPECT_NE(std::find(paths.begin(), paths.end(), "spec.replicas"), paths.end());
  EXPECT_NE(
      std::find(paths.begin(), paths.end(), "status.conditions[{\"type\":\"Available\"}].reason"),
      paths.end());
  // Another manager's fields are not included.
  EXPECT_EQ(std::find(paths.begin(), paths.end(), "spec.template.spec.dnsPolicy"), paths.end());
}

TEST(RemoveFieldPath, FindsListElementsByKeyOnEitherSide) {
  Value managed = testing::Yaml(R"(
- manager: injector
  operation: Update
  fieldsType: FieldsV1
  fieldsV1:
    f:spec:
      f:containers:
        k:{"name":"sidecar"}:
          .: {}
          f:image: {}
        k:{"name":"app"}:
          f:env:
            k:{"name":"INJECTED"}: {}
      f:ports:
        k:{"containerPort":80,"protocol":"TCP"}:
          f:name: {}
)");
  auto leaves = ManagedLeaves(managed, {"injector"});
  ASSERT_TRUE(leaves.ok());
  Value object = testing::Yaml(R"(
spec:
  containers:
  - {name: app, env: [{name: A, value: "1"}, {name: INJECTED, value: "2"}]}
  - {name: sidecar, image: proxy:1}
  ports:
  - {containerPort: 80, name: http}
)");
  for (const FieldPath& path : *leaves) RemoveFieldPath(object, path);
  EXPECT_EQ(object, testing::Yaml(R"(
spec:
  containers:
  - {name: app, env: [{name: A, value: "1"}]}
  - {name: sidecar}
  ports:
  - {containerPort: 80}
)"));
}

TEST(ManagedLeaves, RefusesMalformedKeys) {
  Value managed =
      testing::Yaml("- {manager: m, fieldsType: FieldsV1, fieldsV1: {f:spec: {'k:{bad': {}}}}\n");
  auto leaves = ManagedLeaves(managed, {"m"});
  ASSERT_FALSE(leaves.ok());
  EXPECT_NE(leaves.error().message().find("managedFields of \"m\": bad key"), std::string::npos)
      << leaves.error().message();
}

TEST(RemoveJsonPointer, FollowsRfc6901) {
  struct Case {
    std::string name;
    std::string pointer;
    bool removed;
    std::string after;
  };
  const std::string kBefore =
      "{spec: {replicas: 3, list: [a, b]}, metadata: {annotations: {example.com/owner: x, "
      "'a~b': y}}}";
  const std::vector<Case> cases = {
      {"a map member", "/spec/replicas", true,
       "{spec: {list: [a, b]}, metadata: {annotations: {example.com/owner: x, 'a~b': y}}}"},
      {"a list element", "/spec/list/0", true,
       "{spec: {replicas: 3, list: [b]}, metadata: {annotations: {example.com/owner: x, "
       "'a~b': y}}}"},
      {"an escaped slash", "/metadata/annotations/example.com~1owner", true,
       "{spec: {replicas: 3, list: [a, b]}, metadata: {annotations: {'a~b': y}}}"},
      {"an escaped tilde", "/metadata/annotations/a~0b", true,
       "{spec: {replicas: 3, list: [a, b]}, metadata: {annotations: {example.com/owner: x}}}"},
      {"a missing member", "/spec/paused", false, kBefore},
      {"an index out of range", "/spec/list/2", false, kBefore},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Value object = testing::Yaml(kBefore);
    auto removed = RemoveJsonPointer(object, c.pointer);
    ASSERT_TRUE(removed.ok()) << removed.error().message();
    EXPECT_EQ(*removed, c.removed);
    EXPECT_EQ(object, testing::Yaml(c.after));
  }
  Value object = testing::Yaml(kBefore);
  EXPECT_FALSE(RemoveJsonPointer(object, "/a~2").ok());
  EXPECT_FALSE(RemoveJsonPointer(object, "spec").ok());
}

}  // namespace
}  // namespace capstan::diff::internal
