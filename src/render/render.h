// render: turns a source tree into Kubernetes objects.
//
// Three generators, chosen by what the folder holds (or forced by RenderRequest::kind):
//   a kustomization.yaml / kustomization.yml / Kustomization -> Kustomize (native)
//   a Chart.yaml                                              -> Helm (the real `helm template`)
//   anything else                                             -> a directory of YAML/JSON
// Every read stays inside RenderRequest::root; `../` paths and symbolic links that leave
// it are refused. Pure apart from reading files and, for Helm, running helm.
//
// Directory: every *.yaml, *.yml and *.json file (".git" folders skipped), read in Argo
// CD's order (names sorted byte-wise within each folder, a sub-folder read where its name
// sorts, so "a/x.yaml" comes before "a.yaml"). Linked files are read when the link stays
// inside the root; linked folders are not entered. A YAML file may hold several
// documents; empty ones are skipped. A JSON file holds one object or an array of them.
// `kind: List` and any `*List` kind with an `items` list are replaced by their items.
// Every object must have apiVersion, kind and metadata.name (or generateName); the error
// names the file, the document's line and number and the field.
//
// Helm: `helm template RELEASE CHART --namespace NS --include-crds`, value files, inline
// values, then --set / --set-string; helm itself applies every --set before every
// --set-string. Hooks are kept (with their helm.sh/hook annotations). A dependency with a
// `file://` repository inside the root that charts/ lacks is supplied from its folder in
// a temporary copy of the chart, so the repository is never written to; other missing
// dependencies are an error (capstan does not download charts). Manifest::source is the
// template's path in the repository ("apps/shop/templates/deployment.yaml"). helm's
// stderr, on failure, becomes the error message (one line).
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

// Argo CD's spec.source.kustomize settings. Argo CD applies them with `kustomize edit` to the
// top kustomization before building; capstan applies them to the top kustomization as read,
// with the same meaning, without writing any file:
//   images            `edit set image`: "name=newName:tag", "name:tag", "name@digest",
//                     "name=newName"; an entry with the same name is updated, else added
//   name_prefix/suffix `edit set nameprefix|namesuffix`: replace the top's value
//   namespace_        `edit set namespace`: replaces the top's namespace
//   common_labels/annotations `edit add label|annotation --force`: added, replacing keys
struct KustomizeOverrides {
  std::vector<std::string> images;
  std::string name_prefix;
  std::string name_suffix;
  std::string namespace_;
  std::map<std::string, std::string> common_labels;
  std::map<std::string, std::string> common_annotations;

  bool empty() const {
    return images.empty() && name_prefix.empty() && name_suffix.empty() && namespace_.empty() &&
           common_labels.empty() && common_annotations.empty();
  }
};

struct KustomizeOptions {
  // A real kustomize binary to fall back to when a kustomization uses a field capstan
  // does not support natively. Empty (default): such a field is an error naming it.
  std::string fallback_binary;
  // Applied to the top kustomization (not to its bases). Default: none.
  KustomizeOverrides overrides;
};

struct HelmParameter {
  std::string name;
  std::string value;
  bool force_string = false;  // --set-string instead of --set
};

struct HelmOptions {
  std::string release_name;              // default (empty): the chart folder's name
  std::string namespace_;                // --namespace; default (empty) "default"
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
// was being rendered ("render kustomize overlays/prod: ..."). Codes: NotFound (the root,
// folder or a named file is missing), Invalid (malformed input, a path leaving the root,
// a chart error), Unavailable (helm or the kustomize fallback missing, failing to start
// or timing out). Thread-safe: renders share no state. To avoid rendering an unchanged
// tree again, use RenderCache (render/cache.h).
Result<RenderResult> Render(const RenderRequest& request);

// Which generator `Render` would pick for `path` under `root`.
Result<SourceKind> DetectSourceKind(const std::filesystem::path& root, const std::string& path);

}  // namespace capstan::render
