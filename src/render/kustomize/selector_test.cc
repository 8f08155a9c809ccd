// Target selectors: which objects of testdata/patches/selector/objects.yaml each selector
// picks. The expectations for the first objects were checked against `kustomize build`.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/fs.h"
#include "core/yaml.h"
#include "render/kustomize/patch.h"

namespace capstan::render {
namespace {

std::vector<Value> Objects() {
  const std::string path = "kustomize/testdata/patches/selector/objects.yaml";
  auto text = ReadFileBounded(path, 1 << 20);
  EXPECT_TRUE(text.ok());
  auto docs = ParseYamlStream(text.ok() ? *text : "", path);
  EXPECT_TRUE(docs.ok());
  std::vector<Value> out;
  if (docs.ok()) {
    for (auto& d : *docs) out.push_back(d.value);
  }
  return out;
}

Value Yaml(std::string_view text) {
  auto v = ParseYaml(text, "inline");
  EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().message());
  return v.ok() ? *v : Value();
}

struct Case {
  const char* name;
  const char* target;    // the `target:` map as YAML
  const char* selected;  // "Kind/name" of the selected objects, space-separated
};

TEST(TargetSelector, SelectsLikeKustomize) {
  const Case cases[] = {
      {"empty selects everything", "{}",
       "ConfigMap/a ConfigMap/b ConfigMap/web-canary ClusterRole/web Deployment/web"},
      {"name is anchored", "{name: web}", "ClusterRole/web Deployment/web"},
      {"name as a regular expression", "{name: 'web.*'}",
       "ConfigMap/web-canary ClusterRole/web Deployment/web"},
      {"alternatives", "{name: 'a|b'}", "ConfigMap/a ConfigMap/b"},
      {"kind is anchored too", "{kind: Config}", ""},
      {"group regex", "{group: 'rbac.*'}", "ClusterRole/web"},
      {"core group is empty", "{group: '', version: v1, kind: ConfigMap, name: b}", "ConfigMap/b"},
      {"version", "{version: v1}",
       "ConfigMap/a ConfigMap/b ConfigMap/web-canary ClusterRole/web Deployment/web"},
      {"unset namespace is default", "{namespace: default}", "ConfigMap/a ConfigMap/web-canary"},
      {"namespace", "{namespace: shop}", "ConfigMap/b Deployment/web"},
      {"cluster-scoped kinds are in no namespace", "{namespace: default, kind: ClusterRole}", ""},
      {"label exists", "{labelSelector: app}", "ConfigMap/a ConfigMap/b Deployment/web"},
      {"label does not exist", "{labelSelector: '!env'}",
       "ConfigMap/b ConfigMap/web-canary ClusterRole/web Deployment/web"},
      {"in and notin", "{labelSelector: 'app in (web, db),env notin (dev)'}",
       "ConfigMap/a ConfigMap/b Deployment/web"},
      {"not equal includes unlabelled", "{labelSelector: 'app!=web'}",
       "ConfigMap/b ConfigMap/web-canary ClusterRole/web"},
      {"spaces around =", "{labelSelector: 'app = web'}", "ConfigMap/a Deployment/web"},
      {"double equals", "{labelSelector: 'app==web,env=prod'}", "ConfigMap/a"},
      {"empty in-list selects nothing", "{labelSelector: 'app in ()'}", ""},
      {"greater than", "{labelSelector: 'tier>2'}", "Deployment/web"},
      {"annotation selector", "{annotationSelector: 'example.com/owner=team-a'}", "ConfigMap/a"},
      {"everything together", "{kind: Deployment, name: web, namespace: shop, labelSelector: app}",
       "Deployment/web"},
  };
  const std::vector<Value> objects = Objects();
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto selector = ParseTargetSelector(Yaml(c.target));
    ASSERT_TRUE(selector.ok()) << selector.error().message();
    std::string got;
    for (const Value& object : objects) {
      auto match = Matches(*selector, object);
      ASSERT_TRUE(match.ok()) << match.error().message();
      if (!*match) continue;
      if (!got.empty()) got += " ";
      got += std::string(object.StringAt({"kind"})) + "/" +
             std::string(object.StringAt({"metadata", "name"}));
    }
    EXPECT_EQ(got, c.selected);
  }
}

TEST(TargetSelector, PreviousNamesAndNamespacesAlsoMatch) {
  Value object =
      Yaml("{apiVersion: v1, kind: ConfigMap, metadata: {name: dev-web, namespace: dev}}");
  auto selector = ParseTargetSelector(Yaml("{name: web, namespace: default}"));
  ASSERT_TRUE(selector.ok());
  EXPECT_FALSE(*Matches(*selector, object));
  EXPECT_TRUE(*Matches(*selector, object, {ObjectKey{"", "ConfigMap", "", "web"}}));
}

TEST(TargetSelector, BadSelectorsAreErrorsNamingTheField) {
  const std::pair<const char*, const char*> cases[] = {
      {"{name: 'web['}", "target.name"},
      {"{labelSelector: 'app=a b'}", "target.labelSelector"},
      {"{labelSelector: 'app in web'}", "expected a list of values in parentheses"},
      {"{labelSelector: '-bad=x'}", "\"-bad\" is not a valid key"},
      {"{annotationSelector: 'a=b=c'}", "target.annotationSelector"},
      {"{labelSelector: 'tier>high'}", "\"high\" is not an integer"},
      {"{bogus: x}", "target.bogus: unknown field"},
      {"{name: [a]}", "target.name: expected a string"},
  };
  for (const auto& [target, message] : cases) {
    SCOPED_TRACE(target);
    auto selector = ParseTargetSelector(Yaml(target));
    ASSERT_FALSE(selector.ok());
    EXPECT_NE(selector.error().message().find(message), std::string::npos)
        << selector.error().message();
  }
}

}  // namespace
}  // namespace capstan::render
