// The generators behind Render, one per SourceKind, and what they share. Each takes the
// folder to render as an absolute path already resolved inside `fs`'s root, and reports
// what it read to `tracker` when that is not null (see read_tracker.h).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/fs.h"
#include "core/object.h"
#include "core/result.h"
#include "core/yaml.h"
#include "render/internal/read_tracker.h"
#include "render/render.h"

namespace capstan::render {

// Largest manifest file read. Default 32 MiB, the YAML reader's own limit.
inline constexpr size_t kMaxManifestFileBytes = 32u << 20;

// Render with every input reported to `tracker` (may be null). Render() is this with
// no tracker; the cache passes one.
Result<RenderResult> RenderTracked(const RenderRequest& request, ReadTracker* tracker);

// Every *.yaml, *.yml and *.json file below `folder`, in the order Argo CD reads them.
Result<std::vector<Manifest>> RenderDirectory(const RootedFs& fs,
                                              const std::filesystem::path& folder,
                                              const DirectoryOptions& options,
                                              ReadTracker* tracker);

// `helm template` of the chart in `folder`.
Result<std::vector<Manifest>> RenderHelm(const RootedFs& fs, const std::filesystem::path& folder,
                                         const HelmOptions& options, ReadTracker* tracker);

// Appends the objects in the parsed documents of one file to `out`: empty documents are
// skipped, `kind: List` (and any `*List` kind with an `items` list) is replaced by its
// items, and every object must pass ValidateObject. `source` names the file in errors
// ("apps/web.yaml:12: document 2: kind: missing") and in Manifest::source.
Status AppendDocuments(const std::vector<YamlDocument>& documents, const std::string& source,
                       std::vector<Manifest>& out);

// Parses one manifest file's text (JSON when `source` ends in ".json", else a YAML
// stream) and appends its objects as AppendDocuments does.
Status AppendManifestText(std::string_view text, const std::string& source,
                          std::vector<Manifest>& out);

}  // namespace capstan::render
