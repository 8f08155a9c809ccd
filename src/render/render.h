// render: turns a source tree into Kubernetes objects.
//
// Three generators, chosen by what the folder holds (or forced by RenderRequest::kind):
//   a kustomization.yaml / kustomization.yml / Kustomization -> Kustomize (native)
//   a Chart.yaml                                              -> Helm (the real `helm template`)
//   anything else                                             -> a directory of YAML/JSON
// Every read stays inside RenderRequest::root; `../` paths and symbolic links that leave
// it are refused. Pure apart from reading files and, for Helm, running helm.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/object.h"
#include "core/result.h"

namespace capstan::render {

enum class SourceKind { kAuto, kDirectory, kKustomize, kHelm };

std::string_view SourceKindName(SourceKind kind);

struct DirectoryOptions {
  // Descend into sub-folders. Default true (Argo CD's default is false; capstan's CLI
  // renders whole trees, Applications set it from spec.source.directory.recurse).
  bool recurse = true;
  // Glob patterns (matched against the path relative to the rendered folder, `*` not
  // crossing `/`, `**` crossing it; `{a,b}` alternatives). Empty include = every
  // *.yaml, *.yml and *.json file.
  std::vector<std::string> include;
  std::vector<std::string> exclude;
};

struct KustomizeOptions {
  // A real kustomize binary to fall back to when a kustomization uses a field capstan
  // does not support natively. Empty (default): such a field is an error naming it.
  std::string fallback_binary;
};

struct HelmParameter {
  std::string name;
  std::string value;
  bool force_string = false;  // --set-string instead of --set
};

struct HelmOptions {
  std::string release_name;  // default: the chart folder's name
  std::string namespace_;    // --namespace; default "default"
  std::vector<std::string> value_files;  // relative to the chart folder; must stay in root
  std::string values;                    // inline YAML, passed as one more values file
  std::vector<HelmParameter> parameters;
  std::string helm_binary = "helm";  // found on PATH unless absolute
  int timeout_seconds = 90;          // helm is killed after this
};

struct RenderRequest {
  std::filesystem::path root;  // repository root; nothing outside it is read
  std::string path = ".";      // folder to render, relative to root
  SourceKind kind = SourceKind::kAuto;
  DirectoryOptions directory;
  KustomizeOptions kustomize;
  HelmOptions helm;
};

struct RenderResult {
  SourceKind kind = SourceKind::kDirectory;  // the generator that ran
  std::vector<Manifest> manifests;           // in generator order
  // The namespace the kustomization sets, if any (policy checks objects against it).
  std::string kustomize_namespace;
};

// Renders one folder. Errors name the file, object and field and are prefixed with what
// was being rendered ("render kustomize overlays/prod: ...").
Result<RenderResult> Render(const RenderRequest& request);

// Which generator `Render` would pick for `path` under `root`.
Result<SourceKind> DetectSourceKind(const std::filesystem::path& root, const std::string& path);

}  // namespace capstan::render
