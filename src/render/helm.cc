#include "render/internal/helm.h"

#include <fmt/format.h>

#include <cctype>
#include <system_error>

#include "core/log.h"
#include "core/process.h"
#include "render/internal/generators.h"

namespace capstan::render {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kHelmInstallHint =
    "install helm 3 (scripts/install-deps.sh does, or see https://helm.sh/docs/intro/install/) "
    "or name the binary with --helm PATH";

// helm splits --set values at unescaped commas; a value is one value, as in Argo CD,
// unless it is a `{a,b}` list.
std::string EscapeSetValue(const std::string& value) {
  if (value.size() >= 2 && value.front() == '{' && value.back() == '}') return value;
  std::string out;
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] == ',' && (i == 0 || value[i - 1] != '\\')) out.push_back('\\');
    out.push_back(value[i]);
  }
  return out;
}

// Value files are relative to the chart and must stay inside the root.
Result<std::vector<std::string>> ResolveValueFiles(const RootedFs& fs, const fs::path& chart,
                                                   const HelmOptions& options,
                                                   ReadTracker* tracker) {
  std::vector<std::string> paths;
  for (const std::string& file : options.value_files) {
    auto path = fs.Resolve(fs.Display(chart), file);
    if (!path.ok()) return std::move(path).error().Wrap("values file");
    std::error_code ec;
    if (!fs::is_regular_file(*path, ec)) {
      return Error::NotFound(fmt::format("values file {}: not found", fs.Display(*path)));
    }
    // Read once so the cache knows its content; helm reads it again itself.
    auto contents = ReadFileTracked(*path, kMaxManifestFileBytes, tracker);
    if (!contents.ok()) return std::move(contents).error().Wrap("values file");
    paths.push_back(path->string());
  }
  return paths;
}

// helm's stderr as one line: "Error: " prefixes and its advice to use --debug dropped,
// lines joined with "; ".
std::string OneLine(std::string_view text) {
  std::string out;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) {
      line.remove_suffix(1);
    }
    if (line.starts_with("Error: ")) line.remove_prefix(7);
    if (line.empty() || line.starts_with("Use --debug flag")) continue;
    if (!out.empty()) out += "; ";
    out += line;
  }
  return out;
}

}  // namespace

Result<std::vector<Manifest>> RenderHelm(const RootedFs& fs, const fs::path& folder,
                                         const HelmOptions& options, ReadTracker* tracker) {
  auto chart = PrepareChart(fs, folder, tracker);
  if (!chart.ok()) return std::move(chart).error();
  auto value_files = ResolveValueFiles(fs, folder, options, tracker);
  if (!value_files.ok()) return std::move(value_files).error();

  std::string release =
      options.release_name.empty() ? folder.filename().string() : options.release_name;
  std::string ns = options.namespace_.empty() ? "default" : options.namespace_;
  std::vector<std::string> argv = {options.helm_binary,   "template",    release,
                                   chart->chart.string(), "--namespace", ns,
                                   "--include-crds"};
  for (const std::string& file : *value_files) {
    argv.push_back("--values");
    argv.push_back(file);
  }
  // Inline values come after the value files and before parameters, as in Argo CD.
  std::optional<TempDir> values_dir;
  if (!options.values.empty()) {
    auto dir = TempDir::Create("capstan-values-");
    if (!dir.ok()) return std::move(dir).error();
    values_dir.emplace(std::move(*dir));
    fs::path file = values_dir->path() / "values.yaml";
    CAPSTAN_TRY(WriteFileAtomic(file, options.values));
    argv.push_back("--values");
    argv.push_back(file.string());
  }
  for (const HelmParameter& parameter : options.parameters) {
    if (parameter.name.empty()) return Error::Invalid("helm parameter with an empty name");
    argv.push_back(parameter.force_string ? "--set-string" : "--set");
    argv.push_back(parameter.name + "=" + EscapeSetValue(parameter.value));
  }

  if (tracker != nullptr) tracker->AddProgram(options.helm_binary);
  ProcessOptions process;
  process.argv = std::move(argv);
  process.timeout = std::chrono::seconds(options.timeout_seconds);
  process.install_hint = std::string(kHelmInstallHint);
  Log(LogLevel::kInfo, "helm template {} {} --namespace {}", release, fs.Display(folder), ns);
  auto run = RunProcess(process);
  if (!run.ok()) return std::move(run).error();
  std::string stderr_text = OneLine(chart->CleanMessage(TrimProgramOutput(run->stderr_data), fs));
  if (!run->success()) {
    return Error::Invalid(fmt::format("helm template {}: {}", run->Describe(),
                                      stderr_text.empty() ? "(no message)" : stderr_text));
  }
  if (!stderr_text.empty()) Log(LogLevel::kWarning, "helm: {}", stderr_text);
  return ParseHelmOutput(run->stdout_data, chart->sources);
}

}  // namespace capstan::render
