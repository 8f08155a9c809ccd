#include <fmt/format.h>
#include <stdlib.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "core/log.h"
#include "core/yaml.h"
#include "render/internal/helm.h"

namespace capstan::render {
namespace fs = std::filesystem;
namespace {

// Largest chart (with its local dependencies) copied into a workspace. Real charts are
// well under 1 MiB; a bigger folder is almost certainly not meant to be a chart.
constexpr uintmax_t kMaxChartBytes = 64u << 20;
// Local dependencies of local dependencies are followed this deep.
constexpr int kMaxDependencyDepth = 8;

struct ChartDependency {
  std::string name;
  std::string alias;
  std::string repository;
  std::string HelmName() const { return alias.empty() ? name : alias; }
};

struct ChartInfo {
  std::string name;
  std::vector<ChartDependency> dependencies;
};

std::string Prefix(const std::string& display) { return display == "." ? "" : display + "/"; }

Result<Value> ReadYamlFile(const RootedFs& fs, const fs::path& path) {
  auto text = ReadFileBounded(path, 1u << 20);
  if (!text.ok()) return std::move(text).error();
  return ParseYaml(*text, fs.Display(path));
}

Status ParseDependencies(const Value& list, const std::string& file,
                         std::vector<ChartDependency>& out) {
  if (list.is_null()) return OkStatus();
  if (!list.is_array())
    return Error::Invalid(fmt::format("{}: dependencies: expected a list", file));
  for (size_t i = 0; i < list.as_array().size(); ++i) {
    const Value& entry = list.as_array()[i];
    ChartDependency dependency{std::string(entry.StringAt({"name"})),
                               std::string(entry.StringAt({"alias"})),
                               std::string(entry.StringAt({"repository"}))};
    if (dependency.name.empty()) {
      return Error::Invalid(fmt::format("{}: dependencies[{}].name: missing", file, i));
    }
    out.push_back(std::move(dependency));
  }
  return OkStatus();
}

// Chart.yaml's name and dependencies; apiVersion v1 charts keep the latter in
// requirements.yaml.
Result<ChartInfo> ReadChart(const RootedFs& fs, const fs::path& chart) {
  std::error_code ec;
  if (!fs::is_regular_file(chart / "Chart.yaml", ec)) {
    return Error::NotFound(fmt::format("{}: missing", fs.Display(chart / "Chart.yaml")));
  }
  auto metadata = ReadYamlFile(fs, chart / "Chart.yaml");
  if (!metadata.ok()) return std::move(metadata).error();
  ChartInfo info;
  info.name = metadata->StringAt({"name"});
  if (info.name.empty()) {
    return Error::Invalid(fmt::format("{}: name: missing", fs.Display(chart / "Chart.yaml")));
  }
  if (const Value* list = metadata->Find("dependencies")) {
    CAPSTAN_TRY(ParseDependencies(*list, fs.Display(chart / "Chart.yaml"), info.dependencies));
  } else if (fs::is_regular_file(chart / "requirements.yaml", ec)) {
    auto requirements = ReadYamlFile(fs, chart / "requirements.yaml");
    if (!requirements.ok()) return std::move(requirements).error();
    const Value* list = requirements->Find("dependencies");
    CAPSTAN_TRY(ParseDependencies(list ? *list : Value(), fs.Display(chart / "requirements.yaml"),
                                  info.dependencies));
  }
  return info;
}

// Whether charts/ already holds `name`, unpacked or as the `<name>-<version>.tgz` that
// `helm dependency build` writes.
bool Vendored(const fs::path& chart, const std::string& name) {
  std::error_code ec;
  if (fs::is_regular_file(chart / "charts" / name / "Chart.yaml", ec)) return true;
  for (fs::directory_iterator it(chart / "charts", ec), end; !ec && it != end; it.increment(ec)) {
    std::string file = it->path().filename().string();
    if (file.size() > name.size() + 5 && file.starts_with(name + "-") &&
        std::isdigit(static_cast<unsigned char>(file[name.size() + 1])) && file.ends_with(".tgz")) {
      return true;
    }
  }
  return false;
}

// Folders are followed this deep; a symbolic link cycle stops here.
constexpr int kMaxChartDepth = 32;

// Walks a chart the way helm's loader does, following symbolic links, and refuses those
// that leave the root and charts too big to be real. With a non-empty `copy`, also copies
// it there with links replaced by what they point to (a copied relative link would point
// elsewhere).
Status WalkChart(const RootedFs& fs, const fs::path& folder, const fs::path& copy, int depth,
                 uintmax_t& total) {
  if (depth > kMaxChartDepth) {
    return Error::Invalid(fmt::format("{}: folders nest deeper than {} (a symbolic link cycle?)",
                                      fs.Display(folder), kMaxChartDepth));
  }
  std::error_code ec;
  if (!copy.empty()) fs::create_directories(copy, ec);
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    fs::path real = it->path();
    if (it->is_symlink(ec)) {
      auto resolved = fs.Resolve("", fs.Display(it->path()));
      if (!resolved.ok()) return std::move(resolved).error();
      real = *resolved;
    }
    fs::path target = copy.empty() ? copy : copy / it->path().filename();
    if (fs::is_directory(real, ec)) {
      CAPSTAN_TRY(WalkChart(fs, real, target, depth + 1, total));
      continue;
    }
    if (!fs::is_regular_file(real, ec)) continue;
    total += fs::file_size(real, ec);
    if (total > kMaxChartBytes) {
      return Error::Invalid(
          fmt::format("{}: chart holds more than {} bytes", fs.Display(folder), kMaxChartBytes));
    }
    if (!target.empty()) fs::copy_file(real, target, ec);
    if (ec) break;
  }
  if (ec) return Error::Unavailable(fmt::format("{}: {}", fs.Display(folder), ec.message()));
  return OkStatus();
}

Status CheckTree(const RootedFs& fs, const fs::path& folder) {
  uintmax_t total = 0;
  return WalkChart(fs, folder, {}, 0, total);
}

Status CopyTree(const RootedFs& fs, const fs::path& folder, const fs::path& copy) {
  uintmax_t total = 0;
  return WalkChart(fs, folder, copy, 0, total);
}

struct Vendoring {
  const RootedFs& fs;
  ReadTracker* tracker;
  PreparedChart& out;

  // Adds the sub-charts `chart` (at `original` in the repository, copied to `copy`)
  // lacks. `helm_prefix` is how helm names the chart's files in `# Source:` comments.
  Status Dependencies(const fs::path& original, const fs::path& copy, const ChartInfo& info,
                      const std::string& helm_prefix, int depth) {
    for (const ChartDependency& dependency : info.dependencies) {
      if (Vendored(copy, dependency.name)) continue;
      std::string what = fmt::format("{}: dependency \"{}\"", fs.Display(original / "Chart.yaml"),
                                     dependency.name);
      if (!dependency.repository.starts_with("file://")) {
        return Error::Invalid(fmt::format(
            "{} (repository {}) is missing from charts/; capstan does not download charts: "
            "run `helm dependency build {}` and commit the charts/ folder",
            what, dependency.repository.empty() ? "none" : dependency.repository,
            fs.Display(original)));
      }
      if (depth >= kMaxDependencyDepth) {
        return Error::Invalid(
            fmt::format("{}: local dependencies nest deeper than {}", what, kMaxDependencyDepth));
      }
      auto source = fs.Resolve(fs.Display(original), dependency.repository.substr(7));
      if (!source.ok()) return std::move(source).error().Wrap(what);
      auto sub = ReadChart(fs, *source);
      if (!sub.ok()) return std::move(sub).error().Wrap(what);
      if (tracker != nullptr) tracker->AddTree(*source);
      fs::path target = copy / "charts" / dependency.name;
      CAPSTAN_TRY(CopyTree(fs, *source, target));
      Log(LogLevel::kInfo, "helm: using local dependency {} for {}", fs.Display(*source),
          fs.Display(original));
      std::string sub_prefix = helm_prefix + "charts/" + dependency.HelmName() + "/";
      out.sources.prefixes.emplace_back(sub_prefix, Prefix(fs.Display(*source)));
      CAPSTAN_TRY(Dependencies(*source, target, *sub, sub_prefix, depth + 1));
    }
    return OkStatus();
  }
};

bool NeedsWorkspace(const fs::path& chart, const ChartInfo& info) {
  for (const ChartDependency& dependency : info.dependencies) {
    if (!Vendored(chart, dependency.name)) return true;
  }
  return false;
}

}  // namespace

Result<TempDir> TempDir::Create(std::string_view prefix) {
  std::string pattern = (fs::temp_directory_path() / (std::string(prefix) + "XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return Error::Unavailable(
        fmt::format("cannot create a temporary folder {}: {}", pattern, std::strerror(errno)));
  }
  return TempDir(fs::path(pattern));
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string SourceMap::Map(std::string_view helm_path) const {
  const std::pair<std::string, std::string>* best = nullptr;
  for (const auto& prefix : prefixes) {
    if (helm_path.starts_with(prefix.first) &&
        (best == nullptr || prefix.first.size() > best->first.size())) {
      best = &prefix;
    }
  }
  if (best == nullptr) return std::string(helm_path);
  return best->second + std::string(helm_path.substr(best->first.size()));
}

std::string PreparedChart::CleanMessage(std::string text, const RootedFs& fs) const {
  auto erase_all = [&text](const std::string& what) {
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at)) {
      text.erase(at, what.size());
    }
  };
  if (workspace) erase_all(workspace->path().string() + "/");
  erase_all(fs.root().string() + "/");
  return text;
}

Result<PreparedChart> PrepareChart(const RootedFs& fs, const fs::path& chart,
                                   ReadTracker* tracker) {
  auto info = ReadChart(fs, chart);
  if (!info.ok()) return std::move(info).error();
  CAPSTAN_TRY(CheckTree(fs, chart));
  if (tracker != nullptr) tracker->AddTree(chart);
  PreparedChart out;
  out.chart = chart;
  std::string display = fs.Display(chart);
  out.sources.prefixes.emplace_back(info->name + "/", Prefix(display));
  if (!NeedsWorkspace(chart, *info)) return out;

  // The copy sits at the chart's own repository path inside the workspace, so helm's
  // messages read like repository paths once the workspace prefix is removed.
  auto workspace = TempDir::Create("capstan-helm-");
  if (!workspace.ok()) return std::move(workspace).error();
  out.workspace.emplace(std::move(*workspace));
  fs::path copy =
      display == "." ? out.workspace->path() / "chart" : out.workspace->path() / display;
  CAPSTAN_TRY(CopyTree(fs, chart, copy));
  out.chart = copy;
  Vendoring vendoring{fs, tracker, out};
  CAPSTAN_TRY(vendoring.Dependencies(chart, copy, *info, info->name + "/", 0));
  return out;
}

}  // namespace capstan::render
