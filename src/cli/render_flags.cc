#include "cli/render_flags.h"

#include <fmt/format.h>

#include <string_view>
#include <system_error>

namespace capstan::cli {
namespace {

namespace fs = std::filesystem;

// Characters render's glob syntax gives a meaning (render/internal/glob.h).
constexpr std::string_view kGlobSpecial = "\\*?[]{},";

// A glob matching exactly `name`, for rendering one file through the directory generator.
std::string GlobLiteral(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (kGlobSpecial.find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

// Absolute, `..` and links in the folders resolved as the kernel would; a file keeps its
// own name, so a linked manifest is still read through its link.
fs::path Absolute(const std::string& name, bool is_file) {
  std::error_code error;
  fs::path absolute = fs::absolute(name, error).lexically_normal();
  if (absolute.has_relative_path() && !absolute.has_filename()) absolute = absolute.parent_path();
  fs::path resolve = is_file ? absolute.parent_path() : absolute;
  fs::path resolved = fs::weakly_canonical(resolve, error);
  if (error) resolved = resolve;
  return is_file ? resolved / absolute.filename() : resolved;
}

Result<render::SourceKind> ParseKind(const std::string& kind) {
  for (auto k : {render::SourceKind::kAuto, render::SourceKind::kDirectory,
                 render::SourceKind::kKustomize, render::SourceKind::kHelm}) {
    if (render::SourceKindName(k) == kind) return k;
  }
  return Error::Invalid(
      fmt::format("--kind {}: expected auto, directory, kustomize or helm", kind));
}

// A single file renders as a directory of just that file.
Status NarrowToFile(const RenderFlags& flags, const fs::path& file,
                    render::RenderRequest& request) {
  if (request.kind == render::SourceKind::kKustomize || request.kind == render::SourceKind::kHelm) {
    return Error::Invalid(fmt::format("--kind {}: {} is a file; Kustomize and Helm render folders",
                                      flags.kind, flags.path));
  }
  if (!flags.include.empty()) {
    return Error::Invalid(
        fmt::format("--include {}: {} is a single file; --include selects files in a folder",
                    flags.include.front(), flags.path));
  }
  request.kind = render::SourceKind::kDirectory;
  request.directory.recurse = false;
  request.directory.include = {GlobLiteral(file.filename().string())};
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

}  // namespace

fs::path EnclosingGitRoot(const fs::path& folder) {
  std::error_code error;
  for (fs::path dir = folder; !dir.empty(); dir = dir.parent_path()) {
    if (fs::exists(dir / ".git", error)) return dir;
    if (dir == dir.root_path()) break;
  }
  return {};
}

Result<render::RenderRequest> BuildRenderRequest(const RenderFlags& flags) {
  std::error_code error;
  if (flags.path.empty() || !fs::exists(flags.path, error)) {
    return Error::NotFound(fmt::format("{}: no such file or folder", flags.path));
  }
  bool is_file = !fs::is_directory(flags.path, error);
  fs::path target = Absolute(flags.path, is_file);
  fs::path folder = is_file ? target.parent_path() : target;

  render::RenderRequest request;
  if (!flags.root.empty()) {
    if (!fs::is_directory(flags.root, error)) {
      return Error::NotFound(fmt::format("--root {}: no such folder", flags.root));
    }
    request.root = Absolute(flags.root, false);
  } else {
    // Overlays reach ../base, so by default reads may go anywhere in the repository.
    request.root = EnclosingGitRoot(folder);
    if (request.root.empty()) request.root = folder;
  }
  fs::path relative = folder.lexically_relative(request.root);
  if (relative.empty() || *relative.begin() == "..") {
    return Error::Invalid(
        fmt::format("{}: outside the root {} (set --root to a folder that contains it)", flags.path,
                    request.root.string()));
  }
  request.path = relative.generic_string();

  auto kind = ParseKind(flags.kind);
  if (!kind.ok()) return std::move(kind).error();
  request.kind = *kind;
  request.directory.recurse = flags.recurse;
  request.directory.include = flags.include;
  request.directory.exclude = flags.exclude;
  if (is_file) CAPSTAN_TRY(NarrowToFile(flags, target, request));

  request.kustomize.fallback_binary = flags.kustomize_fallback;
  request.helm.release_name = flags.release_name;
  request.helm.namespace_ = flags.namespace_;
  request.helm.helm_binary = flags.helm;
  // Values files are named as the shell sees them; helm options want them relative to the
  // chart folder.
  for (const std::string& file : flags.value_files) {
    request.helm.value_files.push_back(
        Absolute(file, true).lexically_relative(folder).generic_string());
  }
  CAPSTAN_TRY(AddParameters(flags, request.helm));
  return request;
}

void AddRenderFlags(CLI::App& cmd, RenderFlags& flags) {
  cmd.add_option("--kind", flags.kind,
                 "Generator: auto (from the folder's files), directory, kustomize or helm")
      ->check(CLI::IsMember({"auto", "directory", "kustomize", "helm"}))
      ->capture_default_str();
  cmd.add_option("--root", flags.root,
                 "Repository root; nothing outside it is read. Default: the enclosing Git "
                 "repository, or PATH itself (a file's folder)");
  cmd.add_flag("--recurse,!--no-recurse", flags.recurse,
               "Directory: read sub-folders too (default) or only PATH's own files");
  cmd.add_option("--include", flags.include,
                 "Directory: read only files matching this glob (relative to PATH; * stays in "
                 "a folder, ** crosses folders, {a,b} alternatives); repeatable")
      ->allow_extra_args(false);
  cmd.add_option("--exclude", flags.exclude,
                 "Directory: skip files matching this glob; wins over --include; repeatable")
      ->allow_extra_args(false);
  cmd.add_option("--release-name", flags.release_name,
                 "Helm: release name (default: the chart folder's name)");
  cmd.add_option("-n,--namespace", flags.namespace_,
                 "Helm: namespace passed to helm template (default: default)");
  cmd.add_option("-f,--values", flags.value_files,
                 "Helm: values file, inside the root; repeatable, later files win")
      ->allow_extra_args(false);
  cmd.add_option("--set", flags.set, "Helm: set a value, NAME=VALUE; repeatable")
      ->type_name("NAME=VALUE")
      ->allow_extra_args(false);
  cmd.add_option("--set-string", flags.set_string,
                 "Helm: set a value as a string, NAME=VALUE; repeatable; applied after every "
                 "--set, as helm does")
      ->type_name("NAME=VALUE")
      ->allow_extra_args(false);
  cmd.add_option("--helm", flags.helm, "Helm: the helm binary (default: helm on PATH)");
  cmd.add_option("--kustomize-fallback", flags.kustomize_fallback,
                 "Kustomize: a kustomize binary to run for features capstan does not build "
                 "natively (default: such features are an error)");
}

}  // namespace capstan::cli
