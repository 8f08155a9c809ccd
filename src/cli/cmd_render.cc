// `capstan render PATH`: prints the objects a folder renders to, as YAML or JSON.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "cli/commands.h"
#include "core/json.h"
#include "core/yaml.h"
#include "render/render.h"

namespace capstan::cli {
namespace {
namespace fs = std::filesystem;

constexpr std::string_view kRenderFooter = R"(
The generator is chosen from the folder: a kustomization.yaml (or .yml, or Kustomization)
means Kustomize, built natively; a Chart.yaml means Helm, rendered by the real
`helm template`; anything else is a directory of YAML/JSON manifests. Nothing outside
--root is read: `../` paths and symbolic links that leave it are refused.

Examples:
  capstan render examples/demo/apps/web/overlays/prod
  capstan render examples/demo/apps/api -n shop --set replicaCount=3 -o json
  capstan render manifests/ --no-recurse --include '*.yaml' --exclude 'test-*'

Exit status: 0 rendered, 2 usage or render error (one line on stderr).
)";

struct RenderFlags {
  std::string path;
  std::string output = "yaml";
  std::string kind = "auto";
  std::string root;
  bool recurse = true;
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  std::string release_name;
  std::string namespace_;
  std::vector<std::string> value_files;
  std::string helm = "helm";
  std::string kustomize_fallback;
  std::vector<std::string> set;
  std::vector<std::string> set_string;
};

Result<render::SourceKind> ParseKind(const std::string& kind) {
  for (auto k : {render::SourceKind::kAuto, render::SourceKind::kDirectory,
                 render::SourceKind::kKustomize, render::SourceKind::kHelm}) {
    if (render::SourceKindName(k) == kind) return k;
  }
  return Error::Invalid(
      fmt::format("--kind {}: expected auto, directory, kustomize or helm", kind));
}

// The nearest folder at or above `folder` holding a .git (folder or file, for worktrees).
fs::path EnclosingGitRoot(const fs::path& folder) {
  std::error_code ec;
  for (fs::path dir = folder; !dir.empty(); dir = dir.parent_path()) {
    if (fs::exists(dir / ".git", ec)) return dir;
    if (dir == dir.root_path()) break;
  }
  return {};
}

// Root and path-under-root for PATH: --root when given, else the enclosing Git
// repository, else PATH itself.
Status ResolveRoot(const RenderFlags& flags, render::RenderRequest& request) {
  std::error_code ec;
  fs::path folder = fs::weakly_canonical(fs::absolute(flags.path), ec);
  if (ec || !fs::is_directory(folder, ec)) {
    return Error::NotFound(fmt::format("{}: no such folder", flags.path));
  }
  fs::path root;
  if (!flags.root.empty()) {
    root = fs::weakly_canonical(fs::absolute(flags.root), ec);
    if (ec || !fs::is_directory(root, ec)) {
      return Error::NotFound(fmt::format("--root {}: no such folder", flags.root));
    }
  } else {
    root = EnclosingGitRoot(folder);
    if (root.empty()) root = folder;
  }
  fs::path relative = folder.lexically_relative(root);
  if (relative.empty() || *relative.begin() == "..") {
    return Error::Invalid(fmt::format("{}: not inside the root {}", flags.path, root.string()));
  }
  request.root = root;
  request.path = relative.string();
  return OkStatus();
}

// NAME=VALUE flags into parameters. helm applies every --set before every --set-string,
// whatever their order on the command line, so the order here does not matter.
Status AddParameters(const RenderFlags& flags, render::HelmOptions& helm) {
  for (bool is_string : {false, true}) {
    for (const std::string& text : is_string ? flags.set_string : flags.set) {
      size_t eq = text.find('=');
      if (eq == std::string::npos || eq == 0) {
        return Error::Invalid(
            fmt::format("{} {}: expected NAME=VALUE", is_string ? "--set-string" : "--set", text));
      }
      helm.parameters.push_back({text.substr(0, eq), text.substr(eq + 1), is_string});
    }
  }
  return OkStatus();
}

Result<render::RenderRequest> BuildRequest(const RenderFlags& flags) {
  render::RenderRequest request;
  CAPSTAN_TRY(ResolveRoot(flags, request));
  auto kind = ParseKind(flags.kind);
  if (!kind.ok()) return std::move(kind).error();
  request.kind = *kind;
  request.directory.recurse = flags.recurse;
  request.directory.include = flags.include;
  request.directory.exclude = flags.exclude;
  request.kustomize.fallback_binary = flags.kustomize_fallback;
  request.helm.release_name = flags.release_name;
  request.helm.namespace_ = flags.namespace_;
  request.helm.helm_binary = flags.helm;
  // Value files are given as the shell sees them; helm options want them relative to the
  // chart folder.
  fs::path chart = request.root / request.path;
  for (const std::string& file : flags.value_files) {
    std::error_code ec;
    fs::path absolute = fs::weakly_canonical(fs::absolute(file), ec);
    request.helm.value_files.push_back(absolute.lexically_relative(chart).string());
  }
  CAPSTAN_TRY(AddParameters(flags, request.helm));
  return request;
}

std::string Print(const render::RenderResult& result, const std::string& output) {
  if (output == "json") {
    Value list = Value::MakeObject();
    list.Set("apiVersion", "v1");
    list.Set("kind", "List");
    Value items = Value::MakeArray();
    for (const Manifest& m : result.manifests) items.as_array().push_back(m.object);
    list.Set("items", std::move(items));
    return EmitJson(list, 4) + "\n";
  }
  std::vector<Value> objects;
  objects.reserve(result.manifests.size());
  for (const Manifest& m : result.manifests) objects.push_back(m.object);
  return EmitYamlStream(objects);
}

}  // namespace

void AddRenderCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<RenderFlags>();
  CLI::App* cmd = app.add_subcommand(
      "render", "Render a folder (plain manifests, Kustomize or Helm) into Kubernetes objects");
  cmd->footer(std::string(kRenderFooter));
  cmd->add_option("PATH", flags->path, "Folder to render")->required();
  cmd->add_option("-o,--output", flags->output,
                  "Output format: yaml (a --- stream) or json (a List)")
      ->check(CLI::IsMember({"yaml", "json"}))
      ->capture_default_str();
  cmd->add_option("--kind", flags->kind,
                  "Generator: auto (from the folder's files), directory, kustomize or helm")
      ->check(CLI::IsMember({"auto", "directory", "kustomize", "helm"}))
      ->capture_default_str();
  cmd->add_option("--root", flags->root,
                  "Repository root; nothing outside it is read. Default: the enclosing Git "
                  "repository, or PATH itself");
  cmd->add_flag("--recurse,!--no-recurse", flags->recurse,
                "Directory: read sub-folders too (default) or only PATH's own files");
  cmd->add_option("--include", flags->include,
                  "Directory: read only files matching this glob (relative to PATH; * stays in "
                  "a folder, ** crosses folders, {a,b} alternatives); repeatable")
      ->allow_extra_args(false);
  cmd->add_option("--exclude", flags->exclude,
                  "Directory: skip files matching this glob; wins over --include; repeatable")
      ->allow_extra_args(false);
  cmd->add_option("--release-name", flags->release_name,
                  "Helm: release name (default: the chart folder's name)");
  cmd->add_option("-n,--namespace", flags->namespace_,
                  "Helm: namespace passed to helm template (default: default)");
  cmd->add_option("-f,--values", flags->value_files,
                  "Helm: values file, inside the root; repeatable, later files win")
      ->allow_extra_args(false);
  cmd->add_option("--set", flags->set, "Helm: set a value, NAME=VALUE; repeatable")
      ->type_name("NAME=VALUE")
      ->allow_extra_args(false);
  cmd->add_option("--set-string", flags->set_string,
                  "Helm: set a value as a string, NAME=VALUE; repeatable; applied after every "
                  "--set, as helm does")
      ->type_name("NAME=VALUE")
      ->allow_extra_args(false);
  cmd->add_option("--helm", flags->helm, "Helm: the helm binary (default: helm on PATH)");
  cmd->add_option("--kustomize-fallback", flags->kustomize_fallback,
                  "Kustomize: a kustomize binary to run for features capstan does not build "
                  "natively (default: such features are an error)");

  cmd->callback([flags, &exit_code] {
    auto request = BuildRequest(*flags);
    auto result = request.ok() ? render::Render(*request)
                               : Result<render::RenderResult>(std::move(request).error());
    if (!result.ok()) {
      std::string message = result.error().message();
      std::replace(message.begin(), message.end(), '\n', ' ');
      fmt::print(stderr, "capstan render: {}\n", message);
      exit_code = 2;
      return;
    }
    fmt::print("{}", Print(*result, flags->output));
    exit_code = 0;
  });
}

}  // namespace capstan::cli
