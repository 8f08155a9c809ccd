// Replacements against goldens produced by the real kustomize (testdata/patches/
// replacements/regenerate.sh), and the errors kustomize raises.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/fs.h"
#include "core/object.h"
#include "core/yaml.h"
#include "render/kustomize/patch.h"
#include "render/kustomize/strategic_merge_internal.h"

namespace capstan::render {
namespace {

const std::string kDir = "kustomize/testdata/patches/replacements/";

std::vector<Manifest> ReadAll(const std::string& path) {
  auto text = ReadFileBounded(path, 1 << 20);
  EXPECT_TRUE(text.ok()) << path;
  auto docs = ParseYamlStream(text.ok() ? *text : "", path);
  EXPECT_TRUE(docs.ok()) << (docs.ok() ? "" : docs.error().message());
  std::vector<Manifest> out;
  if (!docs.ok()) return out;
  for (auto& d : *docs) {
    if (!d.value.is_null()) out.push_back({d.value, path});
  }
  return out;
}

Value Yaml(std::string_view text) {
  auto v = ParseYaml(text, "inline");
  EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().message());
  return v.ok() ? *v : Value();
}

// kustomize prints every annotation value as a string; that happens in its pipeline, after
// replacements, so the goldens are compared with annotations stringified.
void StringifyAnnotations(Value& object) {
  Value* annotations = object.At({"metadata", "annotations"});
  if (annotations == nullptr || !annotations->is_object()) return;
  for (auto& [key, value] : annotations->as_object()) value = smp::ScalarText(value);
}

const Manifest* Find(const std::vector<Manifest>& objects, const ObjectKey& key) {
  for (const Manifest& m : objects) {
    if (KeyOf(m.object) == key) return &m;
  }
  return nullptr;
}

TEST(Replacements, MatchKustomize) {
  for (const char* name : {"field-paths", "create-and-types", "select-reject-delimiter",
                           "whole-maps", "element-selectors-unanchored"}) {
    SCOPED_TRACE(name);
    const std::string dir = kDir + name + "/";
    std::vector<Manifest> objects = ReadAll(dir + "resources.yaml");
    std::vector<Manifest> want = ReadAll(dir + "want.yaml");
    auto text = ReadFileBounded(dir + "replacements.yaml", 1 << 20);
    ASSERT_TRUE(text.ok());
    auto replacements = ParseYaml(*text, dir + "replacements.yaml");
    ASSERT_TRUE(replacements.ok()) << replacements.error().message();
    Status status = ApplyReplacements(objects, *replacements);
    ASSERT_TRUE(status.ok()) << status.error().message();
    ASSERT_EQ(objects.size(), want.size());
    for (Manifest& m : objects) {
      StringifyAnnotations(m.object);
      const Manifest* expected = Find(want, KeyOf(m.object));
      ASSERT_NE(expected, nullptr) << KeyOf(m.object).ToString();
      EXPECT_EQ(m.object, expected->object) << "got:\n"
                                            << EmitYaml(m.object) << "want:\n"
                                            << EmitYaml(expected->object);
    }
  }
}

std::vector<Manifest> Shop() {
  return {
      {Yaml("{apiVersion: v1, kind: ConfigMap, metadata: {name: dev-cfg, namespace: dev}, "
            "data: {host: 'db:5432', port: '8080', empty: ''}}"),
       ""},
      {Yaml("{apiVersion: apps/v1, kind: Deployment, metadata: {name: dev-web, namespace: dev}, "
            "spec: {replicas: 1, template: {spec: {containers: [{name: app, image: web:1}]}}}}"),
       ""},
      {Yaml("{apiVersion: v1, kind: Service, metadata: {name: dev-web, namespace: dev}, "
            "spec: {ports: [{port: 80}]}}"),
       ""},
  };
}

TEST(Replacements, EarlierNamesSelectSourcesAndTargets) {
  std::vector<Manifest> objects = Shop();
  // As after `namePrefix: dev-` and `namespace: dev`: the original ids.
  std::vector<std::vector<ObjectKey>> previous = {{{"", "ConfigMap", "", "cfg"}},
                                                  {{"", "Deployment", "", "web"}},
                                                  {{"", "Service", "", "web"}}};
  Value replacements = Yaml(R"(
- source: {kind: ConfigMap, name: cfg, fieldPath: data.port}
  targets:
  - select: {kind: Service, name: web, namespace: default}
    fieldPaths: [spec.ports.0.port]
)");
  Status status = ApplyReplacements(objects, replacements, previous);
  ASSERT_TRUE(status.ok()) << status.error().message();
  EXPECT_EQ(*objects[2].object.At({"spec"})->Find("ports")->as_array()[0].Find("port"),
            Value(8080));
  // Without the earlier ids, nothing is called "cfg".
  std::vector<Manifest> fresh = Shop();
  EXPECT_FALSE(ApplyReplacements(fresh, replacements).ok());
}

TEST(Replacements, ErrorsNameTheReplacementAndField) {
  const std::pair<const char*, const char*> cases[] = {
      {"- source: {kind: Secret}\n  targets: [{select: {kind: Service}}]",
       "replacements[0].source: no object matches"},
      {"- source: {version: v1}\n  targets: [{select: {kind: Service}}]",
       "replacements[0].source: more than one object matches"},
      {"- source: {kind: ConfigMap, fieldPath: data.nope}\n  targets: [{select: {kind: "
       "Service}}]",
       "fieldPath `data.nope` is missing in ConfigMap dev/dev-cfg"},
      {"- source: {kind: ConfigMap, fieldPath: data.host}\n  targets:\n  - select: {kind: "
       "Deployment}\n    fieldPaths: [spec.replicas]",
       "replacements[0].targets[0]: apps/Deployment dev/dev-web: spec.replicas: cannot put "
       "\"db:5432\" into a field of type integer"},
      {"- source: {kind: ConfigMap, fieldPath: data.port}\n  targets:\n  - select: {kind: "
       "Deployment}\n    fieldPaths: [spec.strategy.type]",
       "unable to find field \"spec.strategy.type\""},
      {"- source: {kind: ConfigMap, fieldPath: data.host, options: {delimiter: ':', index: "
       "2}}\n  targets: [{select: {kind: Service}}]",
       "source.options.index: 2 is out of bounds for \"db:5432\""},
      {"- source: {kind: ConfigMap}\n  sourceValue: x\n  targets: [{select: {kind: Service}}]",
       "either source or sourceValue"},
      {"- source: {kind: ConfigMap}", "needs a source and at least one target"},
      {"- source: {kind: ConfigMap}\n  targets: [{fieldPaths: [metadata.name]}]",
       "targets[0].select: a target must select objects"},
      {"- source: {kind: ConfigMap, fieldPath: data.port}\n  targets:\n  - select: {kind: "
       "Deployment}\n    fieldPaths: [spec.template.spec.containers.0.image.name]",
       "\"name\" expects a map but the field holds a string"},
      {"- source: {kind: ConfigMap, fieldPath: 'data.*'}\n  targets: [{select: {kind: "
       "Service}}]",
       "wildcard"},
  };
  for (const auto& [yaml, message] : cases) {
    SCOPED_TRACE(yaml);
    std::vector<Manifest> objects = Shop();
    Status status = ApplyReplacements(objects, Yaml(yaml));
    ASSERT_FALSE(status.ok());
    EXPECT_NE(status.error().message().find(message), std::string::npos)
        << status.error().message();
  }
}

TEST(Replacements, SourceValueIsTypedByItsText) {
  std::vector<Manifest> objects = Shop();
  Value replacements = Yaml(R"(
- sourceValue: "3"
  targets:
  - select: {kind: Deployment}
    fieldPaths: [spec.replicas, spec.template.spec.containers.0.image, spec.minReadySeconds]
    options: {create: true}
)");
  Status status = ApplyReplacements(objects, replacements);
  ASSERT_TRUE(status.ok()) << status.error().message();
  const Value& spec = *objects[1].object.Find("spec");
  EXPECT_EQ(*spec.Find("replicas"), Value(3));
  EXPECT_EQ(*spec.Find("minReadySeconds"), Value(3));
  EXPECT_EQ(*spec.At({"template", "spec"})->Find("containers")->as_array()[0].Find("image"),
            Value("3"));
}

}  // namespace
}  // namespace capstan::render
