// spec.source: strict, because a misspelt field here deploys the wrong thing.
#include <fmt/format.h>

#include "controller/application_internal.h"

namespace capstan::controller::internal {
namespace {

// Whether a member is set to something other than its zero value (false, "", [], {}).
bool IsSetNonZero(const Value& map, std::string_view key) {
  const Value* v = map.Find(key);
  if (v == nullptr || v->is_null()) return false;
  if (v->is_bool()) return v->as_bool();
  if (v->is_string() || v->is_array() || v->is_object()) return !v->empty();
  return true;
}

// Argo CD fields capstan reads but cannot honour: listed as unsupported when set.
void MarkIfSet(FieldReader& r, const Value& map, const std::string& path,
               std::initializer_list<std::string_view> keys, std::string_view why) {
  for (std::string_view key : keys) {
    if (IsSetNonZero(map, key)) {
      r.MarkUnsupported(Join(path, key), fmt::format("{} not supported yet", why), true);
    }
  }
}

DirectorySource ReadDirectory(FieldReader& r, const Value& map, const std::string& path) {
  r.CheckKeys(map, path, {"recurse", "include", "exclude", "jsonnet"}, true);
  DirectorySource out;
  r.Bool(map, path, "recurse", out.recurse);
  r.String(map, path, "include", out.include);
  r.String(map, path, "exclude", out.exclude);
  if (const Value* jsonnet = r.Map(map, path, "jsonnet"); jsonnet != nullptr) {
    for (const auto& [key, value] : jsonnet->as_object()) {
      if (IsSetNonZero(*jsonnet, key)) {
        r.MarkUnsupported(Join(path, "jsonnet"), "Jsonnet is not supported yet", true);
        break;
      }
    }
  }
  return out;
}

KustomizeSource ReadKustomize(FieldReader& r, const Value& map, const std::string& path) {
  r.CheckKeys(map, path,
              {"namePrefix", "nameSuffix", "images", "replicas", "commonLabels", "version",
               "commonAnnotations", "forceCommonLabels", "forceCommonAnnotations", "namespace",
               "commonAnnotationsEnvsubst", "components", "patches", "kubeVersion", "apiVersions",
               "labelWithoutSelector", "labelIncludeTemplates"},
              true);
  KustomizeSource out;
  r.Strings(map, path, "images", out.images);
  r.String(map, path, "namePrefix", out.name_prefix);
  r.String(map, path, "nameSuffix", out.name_suffix);
  r.String(map, path, "namespace", out.namespace_);
  r.StringMap(map, path, "commonLabels", out.common_labels);
  r.StringMap(map, path, "commonAnnotations", out.common_annotations);
  r.String(map, path, "version", out.version);
  if (!out.version.empty()) {
    r.Warn(Join(path, "version"), "ignored: capstan builds kustomizations natively");
  }
  // images, namePrefix, nameSuffix, namespace, commonLabels and commonAnnotations go to the
  // renderer as overrides. Argo CD applies the rest with `kustomize edit` too; building
  // without them would deploy other objects than Argo CD would.
  MarkIfSet(r, map, path,
            {"replicas", "forceCommonLabels", "forceCommonAnnotations", "commonAnnotationsEnvsubst",
             "components", "patches", "kubeVersion", "apiVersions", "labelWithoutSelector",
             "labelIncludeTemplates"},
            "this Kustomize override is");
  return out;
}

HelmSource ReadHelm(FieldReader& r, const Value& map, const std::string& path) {
  r.CheckKeys(map, path,
              {"valueFiles", "parameters", "releaseName", "values", "fileParameters", "version",
               "passCredentials", "ignoreMissingValueFiles", "skipCrds", "valuesObject",
               "namespace", "kubeVersion", "apiVersions", "skipTests", "skipSchemaValidation"},
              true);
  HelmSource out;
  r.String(map, path, "releaseName", out.release_name);
  r.Strings(map, path, "valueFiles", out.value_files);
  r.String(map, path, "values", out.values);
  if (const Value* object = r.Map(map, path, "valuesObject"); object != nullptr) {
    out.values_object = *object;
  }
  r.Bool(map, path, "passCredentials", out.pass_credentials);
  if (const Value* list = r.List(map, path, "parameters"); list != nullptr) {
    for (size_t i = 0; i < list->size(); ++i) {
      const Value& item = list->as_array()[i];
      std::string item_path = fmt::format("{}.parameters[{}]", path, i);
      if (!item.is_object()) {
        r.Fail(item_path, "expected a map with name and value");
        break;
      }
      r.CheckKeys(item, item_path, {"name", "value", "forceString"}, true);
      HelmParameter parameter;
      r.String(item, item_path, "name", parameter.name);
      r.String(item, item_path, "value", parameter.value);
      r.Bool(item, item_path, "forceString", parameter.force_string);
      if (parameter.name.empty()) r.Fail(Join(item_path, "name"), "required");
      out.parameters.push_back(std::move(parameter));
    }
  }
  std::string version;
  r.String(map, path, "version", version);
  if (!version.empty() && version != "v3") r.Fail(Join(path, "version"), "only v3 exists");
  MarkIfSet(r, map, path,
            {"fileParameters", "ignoreMissingValueFiles", "skipCrds", "namespace", "kubeVersion",
             "apiVersions", "skipTests", "skipSchemaValidation"},
            "this Helm option is");
  return out;
}

}  // namespace

ApplicationSource ReadSource(FieldReader& r, const Value& map, const std::string& path) {
  ApplicationSource out;
  out.raw = map;
  r.CheckKeys(map, path,
              {"repoURL", "path", "targetRevision", "helm", "kustomize", "directory", "plugin",
               "chart", "ref", "name"},
              true);
  r.String(map, path, "repoURL", out.repo_url);
  r.String(map, path, "targetRevision", out.target_revision);
  if (out.target_revision.empty()) out.target_revision = "HEAD";
  r.String(map, path, "path", out.path);
  r.String(map, path, "chart", out.chart);
  if (out.repo_url.empty() && !r.failed()) r.Fail(Join(path, "repoURL"), "required");
  if (!out.path.empty() && out.path.front() == '/') {
    r.Fail(Join(path, "path"), "must be relative to the repository root");
  }
  if (!out.chart.empty()) {
    r.MarkUnsupported(Join(path, "chart"),
                      "Helm repository charts are not supported yet; keep the chart in a Git "
                      "repository and name its folder in path",
                      true);
  }
  if (IsSetNonZero(map, "plugin")) {
    r.MarkUnsupported(Join(path, "plugin"), "config management plugins are not supported", true);
  }
  int types = 0;
  if (const Value* m = r.Map(map, path, "directory"); m != nullptr) {
    out.directory = ReadDirectory(r, *m, Join(path, "directory"));
    ++types;
  }
  if (const Value* m = r.Map(map, path, "kustomize"); m != nullptr) {
    out.kustomize = ReadKustomize(r, *m, Join(path, "kustomize"));
    ++types;
  }
  if (const Value* m = r.Map(map, path, "helm"); m != nullptr) {
    out.helm = ReadHelm(r, *m, Join(path, "helm"));
    ++types;
  }
  if (IsSetNonZero(map, "plugin")) ++types;
  if (types > 1) {
    r.Fail(path, "set at most one of directory, kustomize, helm and plugin");
  }
  return out;
}

}  // namespace capstan::controller::internal
