// `capstan diff DESIRED LIVE`: what applying DESIRED would change on LIVE, like
// `kubectl diff` but offline: both sides are files or folders (LIVE usually saved with
// `kubectl get -o yaml`). Exit 0 no differences, 1 differences, 2 errors (kubectl's
// convention). Secret values are always masked; there is deliberately no flag to show them.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/render_flags.h"
#include "core/fs.h"
#include "core/json.h"
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

bool IsManifestFile(const fs::path& path) {
  std::string ext = path.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

// `kubectl get -o yaml` of several objects prints a List; diff its items.
void AppendFlattened(Value object, const std::string& source, std::vector<Manifest>& out) {
  Value* items = object.Find("items");
  if (KindOf(object).ends_with("List") && items != nullptr && items->is_array()) {
    for (Value& item : items->as_array()) AppendFlattened(std::move(item), source, out);
    return;
  }
  if (!object.is_null()) out.push_back({std::move(object), source});
}

Status ReadManifestFile(const fs::path& path, const std::string& source,
                        std::vector<Manifest>& out) {
  auto text = ReadFileBounded(path, kMaxFileBytes);
  if (!text.ok()) return std::move(text).error().Wrap(source);
  if (path.extension() == ".json") {
    auto value = ParseJson(*text, source);
    if (!value.ok()) return std::move(value).error();
    AppendFlattened(std::move(value).value(), source, out);
    return OkStatus();
  }
  auto documents = ParseYamlStream(*text, source);
  if (!documents.ok()) return std::move(documents).error();
  for (YamlDocument& document : *documents) {
    AppendFlattened(std::move(document.value), source, out);
  }
  return OkStatus();
}

// Which generator a folder needs ("" for plain YAML), by the file names they look for.
std::string GeneratorOf(const fs::path& folder) {
  for (std::string_view name : {"kustomization.yaml", "kustomization.yml", "Kustomization"}) {
    if (fs::is_regular_file(folder / name)) return "a kustomization";
  }
  if (fs::is_regular_file(folder / "Chart.yaml")) return "a Helm chart";
  return "";
}

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

// DESIRED may be a Kustomize or Helm folder, rendered as `capstan render` would; LIVE is
// always read as saved objects.
Result<std::vector<Manifest>> ReadSide(const std::string& input, std::string_view side,
                                       const std::string& namespace_) {
  std::error_code error;
  fs::path root(input);
  if (!fs::exists(root, error)) {
    return Error::NotFound(fmt::format("{} {}: no such file or folder", side, input));
  }
  std::vector<Manifest> out;
  if (!fs::is_directory(root, error)) {
    CAPSTAN_TRY(ReadManifestFile(root, input, out));
    return out;
  }
  if (side == "desired" && !GeneratorOf(root).empty()) {
    RenderFlags flags;
    flags.path = input;
    flags.root = DefaultRootOf(root);
    flags.namespace_ = namespace_;
    auto request = BuildRenderRequest(flags);
    if (!request.ok()) return std::move(request).error().Wrap(fmt::format("{} {}", side, input));
    auto rendered = render::Render(*request);
    if (!rendered.ok()) return std::move(rendered).error().Wrap(fmt::format("{} {}", side, input));
    return std::move(rendered->manifests);
  }
  std::vector<fs::path> files;
  fs::recursive_directory_iterator it(root, error), end;
  if (error) return Error::Unavailable(fmt::format("{} {}: {}", side, input, error.message()));
  for (; it != end; it.increment(error)) {
    if (error) return Error::Unavailable(fmt::format("{} {}: {}", side, input, error.message()));
    std::string name = it->path().filename().string();
    if (it->is_directory() && name.starts_with(".")) {
      it.disable_recursion_pending();  // .git and friends
      continue;
    }
    if (it->is_regular_file() && IsManifestFile(it->path())) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    CAPSTAN_TRY(ReadManifestFile(file, file.lexically_relative(root).generic_string(), out));
  }
  return out;
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
