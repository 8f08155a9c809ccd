// JSON 6902 against goldens produced by the real kustomize (testdata/patches/json6902/
// regenerate.sh), plus the errors kustomize raises, which must name the operation.
#include <gtest/gtest.h>

#include <string>

#include "core/fs.h"
#include "core/yaml.h"
#include "render/kustomize/patch.h"

namespace capstan::render {
namespace {

const std::string kDir = "kustomize/testdata/patches/json6902/";

Value Read(const std::string& path) {
  auto text = ReadFileBounded(path, 1 << 20);
  EXPECT_TRUE(text.ok()) << path;
  auto value = ParseYaml(text.ok() ? *text : "", path);
  EXPECT_TRUE(value.ok()) << (value.ok() ? "" : value.error().message());
  return value.ok() ? *value : Value();
}

Value Yaml(std::string_view text) {
  auto v = ParseYaml(text, "inline");
  EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().message());
  return v.ok() ? *v : Value();
}

TEST(Json6902, MatchesKustomize) {
  // Each folder's ops.yaml is YAML, except json-text's, which is a JSON array as users
  // often write it inline.
  for (const char* name : {"add-remove-replace", "escaped-pointers", "move-copy-test",
                           "library-quirks", "json-text"}) {
    SCOPED_TRACE(name);
    Value target = Read(kDir + "target.yaml");
    Value ops = Read(kDir + name + "/ops.yaml");
    Value want = Read(kDir + name + "/want.yaml");
    Status status = ApplyJson6902(target, ops);
    ASSERT_TRUE(status.ok()) << status.error().message();
    EXPECT_EQ(target, want) << "got:\n" << EmitYaml(target) << "want:\n" << EmitYaml(want);
  }
}

struct ErrorCase {
  const char* name;
  const char* ops;
  const char* message;  // a part of the error
};

TEST(Json6902, FailuresNameTheOperationAndLeaveTheTargetUnchanged) {
  const ErrorCase cases[] = {
      {"replace of a missing field",
       "[{op: replace, path: /spec/replicas, value: 3}, {op: replace, path: /spec/paused, "
       "value: true}]",
       "json patch operation 1 (replace /spec/paused): no field \"paused\" to replace"},
      {"remove of a missing field", "[{op: remove, path: /metadata/labels}]",
       "operation 0 (remove /metadata/labels): no field \"labels\""},
      {"index past the end",
       "[{op: add, path: /spec/template/spec/containers/5, value: {name: x}}]",
       "index 5 is out of range for a list of 2"},
      {"missing parent", "[{op: add, path: /spec/strategy/rollingUpdate/maxSurge, value: 1}]",
       "the path does not exist"},
      {"failed test", "[{op: test, path: /spec/replicas, value: 3}]", "the value is 2, not 3"},
      {"unknown operation", "[{op: merge, path: /spec}]", "unknown operation \"merge\""},
      {"move from nowhere", "[{op: move, from: /spec/nope, path: /spec/x}]",
       "the \"from\" path /spec/nope does not exist"},
      {"index that is not a number", "[{op: remove, path: /spec/template/spec/containers/app}]",
       "\"app\" is not an array index"},
      {"operation without a path", "[{op: add, value: 1}]", "operation 0: the operation has no"},
      {"operations not a list", "{op: add, path: /a, value: 1}", "must be a list"},
  };
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.name);
    Value target = Read(kDir + "target.yaml");
    const Value before = target;
    Status status = ApplyJson6902(target, Yaml(c.ops));
    ASSERT_FALSE(status.ok());
    EXPECT_NE(status.error().message().find(c.message), std::string::npos)
        << status.error().message();
    EXPECT_EQ(target, before);
  }
}

TEST(Json6902, ReplacesTheWholeObject) {
  Value target = Yaml("{apiVersion: v1, kind: ConfigMap, metadata: {name: a}}");
  ASSERT_TRUE(ApplyJson6902(target, Yaml("[{op: replace, path: '', value: {kind: Secret}}]")).ok());
  EXPECT_EQ(target, Yaml("{kind: Secret}"));
}

}  // namespace
}  // namespace capstan::render
