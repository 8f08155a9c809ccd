// Reading kustomization files: every field kustomize knows, and the refusals it makes.
#include "render/kustomize/kustomization.h"

#include <gtest/gtest.h>

#include "core/yaml.h"

namespace capstan::render::kustomize {
namespace {

Result<Kustomization> Parse(const std::string& text) {
  auto document = ParseYaml(text, "k.yaml");
  EXPECT_TRUE(document.ok()) << document.error().message();
  return ParseKustomization(*document, "app/kustomization.yaml");
}

TEST(ParseKustomization, RefusesWhatKustomizeRefuses) {
  struct Case {
    std::string name;
    std::string text;
    std::string want;  // substring of the error
  };
  std::vector<Case> cases = {
      {"unknown top-level field", "resources: [a.yaml]\nnameprefix: x\n",
       "app/kustomization.yaml: unknown field \"nameprefix\""},
      {"unknown nested field", "images:\n- name: a\n  tag: b\n",
       "app/kustomization.yaml: unknown field \"images[0].tag\""},
      {"number where a string is needed", "images:\n- name: a\n  newTag: 1.2\n",
       "images[0].newTag: expected a string, found a number"},
      {"number label value", "commonLabels:\n  v: 1\n", "commonLabels.v: expected a string"},
      {"count must be an integer", "replicas:\n- name: a\n  count: two\n",
       "replicas[0].count: expected an integer"},
      {"wrong kind", "kind: Deployment\nresources: [a.yaml]\n", "kind: must be Kustomization"},
      {"component needs v1alpha1",
       "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Component\nresources: [a]\n",
       "must have apiVersion kustomize.config.k8s.io/v1alpha1"},
      {"empty", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n",
       "the kustomization is empty"},
      {"not a map", "- a\n- b\n", "expected a map"},
      {"bad sort order", "resources: [a]\nsortOptions:\n  order: random\n",
       "sortOptions.order: must be legacy or fifo"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto parsed = Parse(c.text);
    ASSERT_FALSE(parsed.ok());
    EXPECT_NE(parsed.error().message().find(c.want), std::string::npos) << parsed.error().message();
  }
}

TEST(ParseKustomization, ReadsDeprecatedAliasesIntoTheirNewFields) {
  auto parsed = Parse(
      "resources: [a.yaml]\nbases: [../base]\nimages:\n- name: x\nimageTags:\n- name: yy\n"
      "configMapGenerator:\n- name: c\n  env: one.env\n  envs: [two.env]\n");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(parsed->resources, (std::vector<std::string>{"a.yaml", "../base"}));
  ASSERT_EQ(parsed->images.size(), 2u);
  EXPECT_EQ(parsed->images[1].name, "yy");
  ASSERT_EQ(parsed->config_maps.size(), 1u);
  EXPECT_EQ(parsed->config_maps[0].envs, (std::vector<std::string>{"two.env", "one.env"}));
}

TEST(ParseKustomization, ListsFieldsCapstanDoesNotBuild) {
  auto parsed = Parse("resources: [a]\nvars:\n- name: X\ntransformers: [t.yaml]\n");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(parsed->unsupported, (std::vector<std::string>{"vars", "transformers"}));
}

}  // namespace
}  // namespace capstan::render::kustomize
