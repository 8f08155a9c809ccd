// From an Application to the requests of the render and diff modules.
#include <fmt/format.h>

#include "controller/application.h"
#include "core/yaml.h"

namespace capstan::controller {

Result<render::RenderRequest> ToRenderRequest(const Application& app,
                                              const std::filesystem::path& checkout_root) {
  for (const Unsupported& entry : app.unsupported) {
    if (!entry.in_source) continue;
    return Error::Invalid(fmt::format("{}: Application {}: {}: {}", app.source_file, app.name,
                                      entry.field, entry.reason));
  }
  const ApplicationSource& source = app.source;
  render::RenderRequest request;
  request.root = checkout_root;
  request.path = source.path.empty() ? "." : source.path;
  if (const auto& dir = source.directory) {
    request.kind = render::SourceKind::kDirectory;
    request.directory.recurse = dir->recurse;
    if (!dir->include.empty()) request.directory.include = {dir->include};
    if (!dir->exclude.empty()) request.directory.exclude = {dir->exclude};
  } else {
    // The render module's default recurses (for the CLI); Argo CD's does not, and a
    // folder detected as plain YAML must read the same as under Argo CD.
    request.directory.recurse = false;
  }
  if (const auto& kustomize = source.kustomize) {
    request.kind = render::SourceKind::kKustomize;
    render::KustomizeOverrides& overrides = request.kustomize.overrides;
    overrides.images = kustomize->images;
    overrides.name_prefix = kustomize->name_prefix;
    overrides.name_suffix = kustomize->name_suffix;
    overrides.namespace_ = kustomize->namespace_;
    overrides.common_labels = kustomize->common_labels;
    overrides.common_annotations = kustomize->common_annotations;
  }
  // Helm options are filled whatever the detected kind: Argo CD passes the destination
  // namespace and the Application's name to every chart, with or without a helm block.
  request.helm.release_name = app.name;
  request.helm.namespace_ = app.destination.namespace_;
  if (const auto& helm = source.helm) {
    request.kind = render::SourceKind::kHelm;
    if (!helm->release_name.empty()) request.helm.release_name = helm->release_name;
    request.helm.value_files = helm->value_files;
    // As Argo CD: valuesObject, when set, is used instead of values.
    request.helm.values =
        helm->values_object.is_object() ? EmitYaml(helm->values_object) : helm->values;
    for (const auto& p : helm->parameters) {
      request.helm.parameters.push_back(render::HelmParameter{p.name, p.value, p.force_string});
    }
  }
  return request;
}

diff::DiffOptions ToDiffOptions(const Application& app) {
  diff::DiffOptions options;
  options.ignore_differences = app.ignore_differences;
  if (!app.destination.namespace_.empty()) {
    options.default_namespace = app.destination.namespace_;
  }
  return options;
}

}  // namespace capstan::controller
