// TEST SUPPORT ONLY (included by this folder's *_test.cc files): manifests from testdata/
// and YAML literals.
#pragma once

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "core/fs.h"
#include "core/object.h"
#include "core/value.h"
#include "core/yaml.h"
// Also gives capstan::PrintTo, which prints Values in test failures as YAML.
#include "target/local/workload/internal/stand_in_cluster.h"

namespace capstan::rollout::testing {

// Every document of testdata/<file> (tests run in this folder).
inline std::vector<Value> LoadManifests(const std::string& file) {
  std::string path = "testdata/" + file;
  auto text = ReadFileBounded(path, 1u << 20);
  EXPECT_TRUE(text.ok()) << path;
  if (!text.ok()) return {};
  auto documents = ParseYamlStream(*text, path);
  EXPECT_TRUE(documents.ok()) << (documents.ok() ? "" : documents.error().message());
  std::vector<Value> out;
  if (!documents.ok()) return out;
  for (const YamlDocument& document : *documents) {
    if (!document.value.is_null()) out.push_back(document.value);
  }
  return out;
}

// The first document of `file` whose kind is `kind`.
inline Value LoadKind(const std::string& file, std::string_view kind) {
  for (const Value& object : LoadManifests(file)) {
    if (KindOf(object) == kind) return object;
  }
  ADD_FAILURE() << "no " << kind << " in " << file;
  return {};
}

inline Value Yaml(std::string_view text) {
  auto value = ParseYaml(text, "test");
  EXPECT_TRUE(value.ok()) << (value.ok() ? "" : value.error().message());
  return value.ok() ? *value : Value();
}

}  // namespace capstan::rollout::testing
