#include "core/yaml.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>

#include "core/json.h"

namespace capstan {
namespace {

Value Parse(std::string_view text) {
  auto result = ParseYaml(text, "test.yaml");
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message());
  return result.ok() ? *result : Value();
}

std::string ParseError(std::string_view text, const YamlOptions& options = {}) {
  auto result = ParseYamlStream(text, "bad.yaml", options);
  EXPECT_FALSE(result.ok());
  return result.ok() ? "" : result.error().message();
}

struct ScalarCase {
  const char* name;
  const char* text;
  Value want;
};

TEST(YamlTest, PlainScalarsResolveAsKubernetesReadsThem) {
  const ScalarCase cases[] = {
      {"tilde is null", "~", Value()},
      {"empty is null", "", Value()},
      {"yes is true", "yes", Value(true)},
      {"On is true", "On", Value(true)},
      {"off is false", "off", Value(false)},
      {"decimal", "42", Value(42)},
      {"negative", "-7", Value(-7)},
      {"leading zero is octal", "0777", Value(511)},
      {"hex", "0x1F", Value(31)},
      {"binary", "0b101", Value(5)},
      {"underscores", "1_000", Value(1000)},
      {"exponent is a float", "1e3", Value(1000.0)},
      {"float", "1.5", Value(1.5)},
      {"leading dot", ".5", Value(0.5)},
      {"version-like stays a string", "1.2.3", Value("1.2.3")},
      {"not octal digits fall to float", "089", Value(89.0)},
      {"word", "nginx", Value("nginx")},
      {"huge integer becomes float", "123456789012345678901234", Value(1.2345678901234568e23)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(ResolvePlainScalar(c.text), c.want);
    EXPECT_EQ(ResolvePlainScalar(c.text).type(), c.want.type());
  }
  EXPECT_TRUE(std::isinf(ResolvePlainScalar(".inf").as_double()));
  EXPECT_TRUE(std::isnan(ResolvePlainScalar(".NaN").as_double()));
}

TEST(YamlTest, QuotedScalarsAreAlwaysStrings) {
  Value v = Parse("a: \"yes\"\nb: '0777'\nc: !!str 12\n");
  EXPECT_EQ(v["a"], Value("yes"));
  EXPECT_EQ(v["b"], Value("0777"));
  EXPECT_EQ(v["c"], Value("12"));
}

TEST(YamlTest, NonStringKeysBecomeTheirJsonText) {
  Value v = Parse("true: a\n1: b\n0777: c\n");
  EXPECT_NE(v.Find("true"), nullptr);
  EXPECT_NE(v.Find("1"), nullptr);
  EXPECT_NE(v.Find("511"), nullptr);
}

TEST(YamlTest, MultiDocumentStreamWithCommentsAndLines) {
  auto docs = ParseYamlStream("# header\na: 1 # trailing\n---\n---\nb: 2\n", "s.yaml");
  ASSERT_TRUE(docs.ok());
  ASSERT_EQ(docs->size(), 3u);
  EXPECT_EQ((*docs)[0].value, Value(Value::Object{{"a", 1}}));
  EXPECT_TRUE((*docs)[1].value.is_null());
  EXPECT_EQ((*docs)[2].line, 4);
}

TEST(YamlTest, AnchorsAliasesAndMergeKeys) {
  Value v = Parse(
      "base: &base {a: 1, b: 2}\n"
      "copy: *base\n"
      "merged:\n  <<: *base\n  b: 3\n");
  EXPECT_EQ(v["copy"], v["base"]);
  EXPECT_EQ(v["merged"], Value(Value::Object{{"b", 3}, {"a", 1}}));
}

TEST(YamlTest, BillionLaughsIsRefusedQuickly) {
  std::string doc =
      "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'i'; ++c) {
    doc += fmt::format("{}: &{} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n", c, c,
                       fmt::arg("p", prev));
    prev = c;
  }
  auto start = std::chrono::steady_clock::now();
  std::string message = ParseError(doc);
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_NE(message.find("billion laughs"), std::string::npos) << message;
  EXPECT_NE(message.find("bad.yaml:"), std::string::npos) << message;
  EXPECT_LT(elapsed, std::chrono::seconds(2));
}

TEST(YamlTest, ErrorsNameFileLineAndColumn) {
  EXPECT_EQ(ParseError("a: 1\nb: [1, 2\n"),
            "bad.yaml:3:1: did not find expected ',' or ']' while parsing a flow sequence");
  EXPECT_EQ(ParseError("name: a\nname: b\n"), "bad.yaml:2:1: duplicate key \"name\"");
  EXPECT_EQ(ParseError("a: *nope\n"), "bad.yaml:1:4: unknown alias *nope");
  EXPECT_EQ(ParseError("x: !!int abc\n"),
            "bad.yaml:1:4: value tagged tag:yaml.org,2002:int is not a valid integer");
}

TEST(YamlTest, DuplicateKeysInLargeMapsAreFound) {
  std::string doc;
  for (int i = 0; i < 100; ++i) doc += fmt::format("k{}: {}\n", i, i);
  doc += "k42: again\n";
  EXPECT_EQ(ParseError(doc), "bad.yaml:101:1: duplicate key \"k42\"");
}

TEST(YamlTest, SizeAndDepthLimits) {
  YamlOptions small;
  small.max_bytes = 10;
  EXPECT_EQ(ParseError("a: 12345678901\n", small),
            "bad.yaml: 15 bytes is over the limit of 10 bytes");
  std::string deep(300, '[');
  EXPECT_NE(ParseError(deep).find("nesting deeper than 200 levels"), std::string::npos);
}

TEST(YamlTest, EmitLooksLikeKubectl) {
  Value v = Parse(
      "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  labels: {}\n"
      "spec:\n  containers:\n  - name: app\n    args: [\"--port=80\", \"yes\", \"\"]\n"
      "    ports:\n    - containerPort: 80\n");
  EXPECT_EQ(EmitYaml(v),
            "apiVersion: v1\n"
            "kind: Pod\n"
            "metadata:\n"
            "  name: web\n"
            "  labels: {}\n"
            "spec:\n"
            "  containers:\n"
            "  - name: app\n"
            "    args:\n"
            "    - --port=80\n"
            "    - \"yes\"\n"
            "    - \"\"\n"
            "    ports:\n"
            "    - containerPort: 80\n");
}

TEST(YamlTest, KeysLongerThanYamlAllowsImplicitlyUseExplicitForm) {
  Value v;
  v[std::string(2000, 'k')] = "long key";
  std::string emitted = EmitYaml(v);
  EXPECT_EQ(emitted.rfind("? ", 0), 0u);
  EXPECT_EQ(Parse(emitted), v);
}

TEST(YamlTest, RoundTripPreservesValues) {
  const char* cases[] = {
      "s: \"0777\"\nn: 0777\nf: 1.5\nb: \"true\"\nnull_: null\n",
      "script: |\n  #!/bin/sh\n  echo hi\nnoeol: \"a\\nb\"\ntrail: \"a\\n\\n\"\n",
      "lead: \" x\"\ncolon: \"a: b\"\nhash: \"a #b\"\ndash: \"- x\"\nkeyish: \"key:\"\n",
      "nested:\n- - 1\n  - 2\n- a: 1\n  b: [x]\n",
      "ctrl: \"\\x01\\t\"\nindented: \"  two\\nlines\\n\"\nunicode: \"héllo ✓\"\n",
      "\"0777\": octal key\n\"on\": word key\n",
      // Found by the fuzzer (src/core/yaml_fuzz.cc):
      "bom: \"\\uFEFFx\"\nnel: \"a\\Nb\"\nls: \"a\\Lb\"\n",
      "! <<: not a merge key\n",
      "newline_only: \"\\n\"\n",
      "negative_zero: -0.0\n",
  };
  for (const char* text : cases) {
    SCOPED_TRACE(text);
    Value v = Parse(text);
    std::string emitted = EmitYaml(v);
    Value back = Parse(emitted);
    EXPECT_EQ(back, v) << emitted;
    EXPECT_EQ(EmitYaml(back), emitted);
  }
}

}  // namespace
}  // namespace capstan
