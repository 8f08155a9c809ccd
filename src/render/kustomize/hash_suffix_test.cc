// The name hash suffix against names the real kustomize 5.6 produced for the same data.
#include "render/kustomize/hash_suffix.h"

#include <gtest/gtest.h>

#include "core/yaml.h"

namespace capstan::render::kustomize {
namespace {

TEST(NameHashSuffix, MatchesKustomize) {
  struct Case {
    std::string name;
    std::string object;  // YAML
    std::string want;
  };
  std::vector<Case> cases = {
      {"one literal", "kind: ConfigMap\nmetadata: {name: cfg}\ndata: {a: '1'}\n", "h29d89cmmt"},
      {"html characters are escaped as Go does",
       "kind: ConfigMap\nmetadata: {name: p-cfg}\ndata: {a: '1', b: '<&>'}\n", "f986b78m9b"},
      {"the name does not matter",
       "kind: ConfigMap\nmetadata: {name: another-name}\ndata: {a: '1'}\n", "h29d89cmmt"},
      {"no data at all", "kind: ConfigMap\nmetadata: {name: empty}\n", "6ct58987ht"},
      {"control characters",
       "kind: ConfigMap\nmetadata: {name: bin}\ndata: {blob.bin: \"\\0\\x01binary\"}\n",
       "4b27gffht4"},
      {"multi-line value",
       "kind: ConfigMap\nmetadata: {name: m}\ndata: {text: \"line1\\nline2\"}\n", "2c4hhh749h"},
      {"keys are sorted", "kind: ConfigMap\nmetadata: {name: two}\ndata: {b: '2', a: quoted}\n",
       "kcckmbbm26"},
      {"secret", "kind: Secret\ntype: Opaque\nmetadata: {name: s}\ndata: {password: czNjcjN0}\n",
       "25k92892fb"},
      {"secret type is part of the hash",
       "kind: Secret\ntype: kubernetes.io/tls\nmetadata: {name: tls}\n"
       "data: {tls.crt: Q0VSVA==, tls.key: S0VZ}\n",
       "4b255hm948"},
      {"secret with empty data", "kind: Secret\ntype: Opaque\nmetadata: {name: e}\ndata: {}\n",
       "46f8b28mk5"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto object = ParseYaml(c.object, c.name);
    ASSERT_TRUE(object.ok()) << object.error().message();
    auto suffix = NameHashSuffix(*object);
    ASSERT_TRUE(suffix.ok()) << suffix.error().message();
    EXPECT_EQ(*suffix, c.want);
  }
}

TEST(NameHashSuffix, RefusesOtherKinds) {
  auto object = ParseYaml("kind: Deployment\nmetadata: {name: web}\n", "test");
  ASSERT_TRUE(object.ok());
  EXPECT_FALSE(NameHashSuffix(*object).ok());
}

TEST(GoJson, EscapesLikeGo) {
  struct Case {
    std::string name;
    Value value;
    std::string want;
  };
  std::vector<Case> cases = {
      {"html", Value("<a&b>"), R"("\u003ca\u0026b\u003e")"},
      {"control characters", Value(std::string("\x01\b\f\n\r\t", 6)), R"("\u0001\b\f\n\r\t")"},
      {"line separators", Value("\xE2\x80\xA8"), R"("\u2028")"},
      {"invalid UTF-8 becomes U+FFFD", Value(std::string("\xff")), R"("\ufffd")"},
      {"non-ASCII text stays", Value("h\xC3\xA9llo"), "\"h\xC3\xA9llo\""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(GoJson(c.value), c.want);
  }
}

}  // namespace
}  // namespace capstan::render::kustomize
