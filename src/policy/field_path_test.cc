#include "policy/internal/field_path.h"

#include <gtest/gtest.h>

#include "core/yaml.h"

namespace capstan::policy::internal {
namespace {

struct ParseErrorCase {
  std::string path;
  std::string error;
};

TEST(FieldPath, MalformedPathsSayWhereTheyGoWrong) {
  const std::vector<ParseErrorCase> cases = {
      {"", "empty path"},
      {".spec", "empty key at column 1"},
      {"spec..replicas", "empty key at column 6"},
      {"spec.", "path ends with \".\" at column 5"},
      {"spec.[0]", "expected a key after \".\" at column 6"},
      {"containers[", "unclosed \"[\" at column 11"},
      {"containers[0", "expected \"]\" at column 13"},
      {"containers[x]", "expected an index, * or a quoted key after \"[\" at column 12"},
      {"labels[\"app", "unterminated quoted key at column 7"},
      {"containers[0]image", "expected \".\" or \"[\" at column 14"},
      {"spec containers", "unexpected \" \" at column 5"},
      {"items[99999999]", "index too large at column 6"},
  };
  for (const ParseErrorCase& c : cases) {
    SCOPED_TRACE(c.path);
    auto steps = ParseFieldPath(c.path);
    ASSERT_FALSE(steps.ok());
    EXPECT_EQ(steps.error().message(), c.error);
  }
}

struct ResolveCase {
  std::string name;
  std::string path;
  // Each reached field as "path=value" (value as JSON-ish YAML scalar) or "path missing".
  std::vector<std::string> fields;
};

std::string Describe(const FieldMatch& m) {
  if (m.value == nullptr) return m.path + " missing";
  if (m.value->is_string()) return m.path + "=" + m.value->as_string();
  if (m.value->is_int()) return m.path + "=" + std::to_string(m.value->as_int());
  return m.path + "=<" + std::string(TypeName(m.value->type())) + ">";
}

TEST(FieldPath, ResolvesEveryFieldItReaches) {
  auto object = ParseYaml(R"(metadata:
  labels: {app.kubernetes.io/name: web, team: shop}
spec:
  replicas: 2
  nothing: null
  containers:
  - {name: web, image: "web:1"}
  - {name: proxy}
  empty: []
)",
                          "object.yaml");
  ASSERT_TRUE(object.ok());
  const std::vector<ResolveCase> cases = {
      {"a plain key", "spec.replicas", {"spec.replicas=2"}},
      {"a missing key names the first missing step",
       "spec.strategy.type",
       {"spec.strategy missing"}},
      {"null is missing", "spec.nothing", {"spec.nothing missing"}},
      {"an index", "spec.containers[1].name", {"spec.containers[1].name=proxy"}},
      {"an index past the end", "spec.containers[2].name", {"spec.containers[2] missing"}},
      {"every element",
       "spec.containers[*].image",
       {"spec.containers[0].image=web:1", "spec.containers[1].image missing"}},
      {"every element of an empty list", "spec.empty[*].x", {}},
      {"every element of a missing list", "spec.volumes[*].name", {"spec.volumes missing"}},
      {"a quoted key with dots",
       "metadata.labels['app.kubernetes.io/name']",
       {"metadata.labels[\"app.kubernetes.io/name\"]=web"}},
      {"every value of a map",
       "metadata.labels[*]",
       {"metadata.labels[\"app.kubernetes.io/name\"]=web", "metadata.labels.team=shop"}},
      {"an index into a map is missing", "metadata[0]", {"metadata[0] missing"}},
  };
  for (const ResolveCase& c : cases) {
    SCOPED_TRACE(c.name);
    auto steps = ParseFieldPath(c.path);
    ASSERT_TRUE(steps.ok()) << steps.error().message();
    std::vector<std::string> got;
    for (const FieldMatch& m : ResolveFieldPath(*object, *steps)) got.push_back(Describe(m));
    EXPECT_EQ(got, c.fields);
  }
}

}  // namespace
}  // namespace capstan::policy::internal
