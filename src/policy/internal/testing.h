// Helpers for the policy module's tests only (not part of the library).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/fs.h"
#include "core/object.h"
#include "core/yaml.h"
#include "policy/policy.h"

namespace capstan::policy::testing {

// Reads a multi-document YAML fixture as rendered manifests whose source is `path`.
inline std::vector<Manifest> LoadFixture(const std::string& path) {
  std::vector<Manifest> out;
  auto text = ReadFileBounded(path, 1u << 20);
  if (!text.ok()) {
    ADD_FAILURE() << text.error().message();
    return out;
  }
  auto docs = ParseYamlStream(*text, path);
  if (!docs.ok()) {
    ADD_FAILURE() << docs.error().message();
    return out;
  }
  for (YamlDocument& doc : *docs) {
    if (!doc.value.is_null()) out.push_back({std::move(doc.value), path});
  }
  return out;
}

// The findings of `rule` about the object whose key prints as `object`.
inline std::vector<Finding> FindingsOf(const Report& report, const std::string& rule,
                                       const std::string& object) {
  std::vector<Finding> out;
  for (const Finding& f : report.findings) {
    if (f.rule == rule && f.object.ToString() == object) out.push_back(f);
  }
  return out;
}

inline std::vector<std::string> PathsOf(const std::vector<Finding>& findings) {
  std::vector<std::string> out;
  out.reserve(findings.size());
  for (const Finding& f : findings) out.push_back(f.path);
  return out;
}

}  // namespace capstan::policy::testing
