// Test helpers shared by src/diff's *_test.cc files (not part of the library).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/fs.h"
#include "core/object.h"
#include "core/yaml.h"

namespace capstan::diff::testing {

// Every non-empty document of a testdata file, as Manifests whose source is the path.
inline std::vector<Manifest> LoadManifests(const std::string& path) {
  auto text = ReadFileBounded(path, 1u << 20);
  EXPECT_TRUE(text.ok()) << path << ": " << (text.ok() ? "" : text.error().message());
  if (!text.ok()) return {};
  auto documents = ParseYamlStream(*text, path);
  EXPECT_TRUE(documents.ok()) << (documents.ok() ? "" : documents.error().message());
  if (!documents.ok()) return {};
  std::vector<Manifest> out;
  for (auto& document : *documents) {
    if (!document.value.is_null()) out.push_back({std::move(document.value), path});
  }
  return out;
}

inline Value LoadOne(const std::string& path) {
  auto manifests = LoadManifests(path);
  EXPECT_EQ(manifests.size(), 1u) << path;
  return manifests.empty() ? Value() : manifests.front().object;
}

inline Value Yaml(std::string_view text) {
  auto value = ParseYaml(text, "test");
  EXPECT_TRUE(value.ok()) << (value.ok() ? "" : value.error().message());
  return value.ok() ? *value : Value();
}

}  // namespace capstan::diff::testing
