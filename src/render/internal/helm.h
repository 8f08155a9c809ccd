// Internal to the Helm generator: getting a chart ready for `helm template` and reading
// helm's output back.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/fs.h"
#include "core/object.h"
#include "core/result.h"
#include "render/internal/read_tracker.h"

namespace capstan::render {

// A folder under the system temp folder, removed with everything in it on destruction.
class TempDir {
 public:
  static Result<TempDir> Create(std::string_view prefix);
  TempDir(TempDir&& other) noexcept : path_(std::exchange(other.path_, {})) {}
  TempDir& operator=(TempDir&&) = delete;
  TempDir(const TempDir&) = delete;
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  explicit TempDir(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

// Maps a path as helm prints it in `# Source:` comments ("shop/charts/cache/templates/
// x.yaml") to the file in the repository ("apps/cache/templates/x.yaml").
struct SourceMap {
  // (helm prefix, repository prefix), both ending in '/'; longest helm prefix wins.
  std::vector<std::pair<std::string, std::string>> prefixes;
  std::string Map(std::string_view helm_path) const;
};

// A chart as helm will be given it.
struct PreparedChart {
  std::filesystem::path chart;       // the folder to pass to `helm template`
  std::optional<TempDir> workspace;  // holds a copy of the chart when one was needed
  SourceMap sources;
  // Replaces the workspace or root path in helm's messages with nothing, so that they
  // show repository paths.
  std::string CleanMessage(std::string text, const RootedFs& fs) const;
};

// Checks the chart in `chart` and makes its local dependencies available: a dependency
// listed in Chart.yaml (or requirements.yaml) with a `file://` repository inside the
// root and missing from charts/ is copied, with the chart, into a temporary workspace,
// where helm finds it as an unpacked sub-chart (what `helm dependency build` would
// package), so the repository is never written to. A missing dependency from any other
// repository is an error saying to vendor it. Symbolic links in the chart that lead
// outside the root are refused. Records the chart and dependency folders in `tracker`.
Result<PreparedChart> PrepareChart(const RootedFs& fs, const std::filesystem::path& chart,
                                   ReadTracker* tracker);

// Splits `helm template` output into objects, each with Manifest::source from its
// `# Source:` comment mapped through `sources`.
Result<std::vector<Manifest>> ParseHelmOutput(std::string_view output, const SourceMap& sources);

}  // namespace capstan::render
