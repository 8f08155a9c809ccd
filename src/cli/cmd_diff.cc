// `capstan diff DESIRED LIVE`: what applying DESIRED would change on LIVE, like
// `kubectl diff` but offline: both sides are files or folders (LIVE usually saved with
// `kubectl get -o yaml`). Exit 0 no differences, 1 differences, 2 errors (kubectl's
// convention). Secret values are always masked; there is deliberately no flag to show them.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/render_flags.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/yaml.h"
#include "diff/diff.h"
#include "render/render.h"

namespace capstan::cli {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxFileBytes = 32u << 20;

struct DiffFlags {
  std::string desired;
  std::string live;
  std::string output = "unified";
  std::string color = "auto";
  std::string ignore_file;
  std::string namespace_ = "default";
  bool no_defaults = false;
};

// Overlays refer to bases by "../", so reads are confined to the enclosing Git checkout,
// or, outside Git, to the working directory when the folder is inside it (so
// `capstan diff overlays/prod live.yaml` reaches ../base there too), else to the folder.
// Empty means BuildRenderRequest's default: the Git checkout, else the folder.
std::string DefaultRootOf(const fs::path& folder) {
  std::error_code error;
  fs::path absolute = fs::weakly_canonical(fs::absolute(folder, error), error);
  if (error || !EnclosingGitRoot(absolute).empty()) return "";
  fs::path cwd = fs::current_path(error);
  auto relative = absolute.lexically_relative(cwd);
  if (!error && !relative.empty() && *relative.begin() != "..") return cwd.string();
  return "";
}

// Both sides are read by the render module: LIVE always as saved objects (the directory
// generator: files, multi-document YAML, JSON, `kubectl get -o yaml` Lists), DESIRED as
// `capstan render` would (a Kustomize or Helm folder is rendered). Plain folders and files
// are read with their own folder as the root, so objects are named relative to it (a
// file by the name the user gave).
Result<std::vector<Manifest>> ReadSide(const std::string& input, std::string_view side,
                                       const std::string& namespace_) {
  std::error_code error;
  fs::path path(input);
  if (!fs::exists(path, error)) {
    return Error::NotFound(fmt::format("{} {}: no such file or folder", side, input));
  }
  bool is_folder = fs::is_directory(path, error);
  RenderFlags flags;
  flags.path = input;
  flags.namespace_ = namespace_;
  flags.kind = "directory";
  flags.root = is_folder ? input : fs::absolute(path, error).parent_path().string();
  if (side == "desired" && is_folder) {
    auto kind = render::DetectSourceKind(fs::absolute(path, error), ".");
    if (kind.ok() && *kind != render::SourceKind::kDirectory) {
      flags.kind = "auto";
      flags.root = DefaultRootOf(path);
    }
  }
  auto request = BuildRenderRequest(flags);
  if (!request.ok()) return std::move(request).error().Wrap(fmt::format("{} {}", side, input));
  auto rendered = render::Render(*request);
  if (!rendered.ok()) return std::move(rendered).error().Wrap(fmt::format("{} {}", side, input));
  // A file the user named is shown as they named it.
  if (!is_folder) {
    for (Manifest& manifest : rendered->manifests) manifest.source = input;
  }
  return std::move(rendered->manifests);
}

Result<std::vector<diff::IgnoreDifference>> ReadIgnores(const std::string& path) {
  auto text = ReadFileBounded(path, kMaxFileBytes);
  if (!text.ok()) return std::move(text).error().Wrap(path);
  auto value = ParseYaml(*text, path);
  if (!value.ok()) return std::move(value).error();
  return diff::ParseIgnoreDifferences(*value, path);
}

bool UseColor(const std::string& mode) {
  if (mode == "always") return true;
  if (mode == "never") return false;
  const char* term = std::getenv("TERM");
  return isatty(fileno(stdout)) && std::getenv("NO_COLOR") == nullptr &&
         !(term != nullptr && std::string_view(term) == "dumb");
}

// 0 no differences, 1 differences, 2 errors.
int RunDiff(const DiffFlags& flags) {
  auto fail = [](const Error& error) {
    fmt::print(stderr, "capstan diff: {}\n", error.message());
    return 2;
  };
  diff::DiffOptions options;
  options.apply_defaults = !flags.no_defaults;
  options.redact_secrets = true;  // never optional here: terminals and CI logs are public
  options.default_namespace = flags.namespace_;
  if (!flags.ignore_file.empty()) {
    auto ignores = ReadIgnores(flags.ignore_file);
    if (!ignores.ok()) return fail(ignores.error());
    options.ignore_differences = std::move(ignores).value();
  }
  auto desired = ReadSide(flags.desired, "desired", flags.namespace_);
  if (!desired.ok()) return fail(desired.error());
  auto live = ReadSide(flags.live, "live", flags.namespace_);
  if (!live.ok()) return fail(live.error());
  Log(LogLevel::kInfo, "comparing {} desired with {} live objects", desired->size(), live->size());
  auto set = diff::DiffAll(*desired, *live, options);
  if (!set.ok()) return fail(set.error());
  if (flags.output == "json") {
    fmt::print("{}", diff::PrintJson(*set));
  } else {
    diff::UnifiedOptions unified;
    unified.color = UseColor(flags.color);
    fmt::print("{}{}\n", diff::PrintUnified(*set, unified), diff::SummaryLine(set->summary));
  }
  std::fflush(stdout);
  return set->summary.differing() > 0 ? 1 : 0;
}

}  // namespace

void AddDiffCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<DiffFlags>();
  auto* cmd = app.add_subcommand(
      "diff",
      "Show what applying DESIRED would change on LIVE (exit 0 none, 1 differences, 2 errors)");
  cmd->add_option("DESIRED", flags->desired,
                  "Desired manifests: a YAML/JSON file or a folder (read recursively)")
      ->required();
  cmd->add_option("LIVE", flags->live,
                  "Live objects, e.g. saved with `kubectl get -o yaml`: a file or a folder")
      ->required();
  cmd->add_option("-o,--output", flags->output, "Output format")
      ->check(CLI::IsMember({"unified", "json"}))
      ->capture_default_str();
  cmd->add_option("--color", flags->color, "Colour the unified diff")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  cmd->add_option("--ignore-differences", flags->ignore_file,
                  "YAML file of Argo CD ignoreDifferences entries (a list, or an Application)");
  cmd->add_flag("--no-defaults", flags->no_defaults,
                "Do not fill Kubernetes defaults into desired before comparing");
  cmd->add_option("-n,--namespace", flags->namespace_,
                  "Namespace of namespaced objects that set none")
      ->capture_default_str();
  cmd->callback([flags, &exit_code] { exit_code = RunDiff(*flags); });
}

}  // namespace capstan::cli
