#include "render/render.h"

#include <fmt/format.h>

#include <system_error>

#include "core/fs.h"
#include "render/internal/generators.h"
#include "render/kustomize/kustomize.h"

namespace capstan::render {
namespace fs = std::filesystem;
namespace {

// The file names kustomize itself looks for, in its order.
constexpr std::string_view kKustomizationNames[] = {"kustomization.yaml", "kustomization.yml",
                                                    "Kustomization"};

bool IsFile(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

SourceKind Detect(const fs::path& folder) {
  for (std::string_view name : kKustomizationNames) {
    if (IsFile(folder / name)) return SourceKind::kKustomize;
  }
  if (IsFile(folder / "Chart.yaml")) return SourceKind::kHelm;
  return SourceKind::kDirectory;
}

// The folder to render, resolved inside the root; it must exist.
Result<fs::path> ResolveFolder(const RootedFs& fs, const std::string& path) {
  auto folder = fs.Resolve("", path.empty() ? "." : path);
  if (!folder.ok()) return std::move(folder).error();
  std::error_code ec;
  if (!fs::is_directory(*folder, ec)) {
    return Error::NotFound(fmt::format("{}: no such folder under {}", path, fs.root().string()));
  }
  return folder;
}

Result<RenderResult> RenderFolder(const RootedFs& fs, const fs::path& folder,
                                  const RenderRequest& request, SourceKind kind,
                                  ReadTracker* tracker) {
  RenderResult result;
  result.kind = kind;
  switch (kind) {
    case SourceKind::kKustomize: {
      // Native kustomize reads through `fs` only; which files it reads is not reported,
      // so the cache depends on the whole repository for it.
      if (tracker != nullptr) tracker->AddTree(fs.root());
      if (tracker != nullptr && !request.kustomize.fallback_binary.empty()) {
        tracker->AddProgram(request.kustomize.fallback_binary);
      }
      auto built = BuildKustomization(fs, fs::path(fs.Display(folder)), request.kustomize);
      if (!built.ok()) return std::move(built).error();
      result.manifests = std::move(built->manifests);
      result.kustomize_namespace = std::move(built->namespace_);
      return result;
    }
    case SourceKind::kHelm: {
      auto manifests = RenderHelm(fs, folder, request.helm, tracker);
      if (!manifests.ok()) return std::move(manifests).error();
      result.manifests = std::move(*manifests);
      return result;
    }
    case SourceKind::kDirectory:
    case SourceKind::kAuto: {
      auto manifests = RenderDirectory(fs, folder, request.directory, tracker);
      if (!manifests.ok()) return std::move(manifests).error();
      result.kind = SourceKind::kDirectory;
      result.manifests = std::move(*manifests);
      return result;
    }
  }
  return Error::Internal("unknown source kind");
}

}  // namespace

std::string_view SourceKindName(SourceKind kind) {
  switch (kind) {
    case SourceKind::kAuto:
      return "auto";
    case SourceKind::kDirectory:
      return "directory";
    case SourceKind::kKustomize:
      return "kustomize";
    case SourceKind::kHelm:
      return "helm";
  }
  return "unknown";
}

Result<SourceKind> DetectSourceKind(const fs::path& root, const std::string& path) {
  auto fs = RootedFs::Open(root);
  if (!fs.ok()) return std::move(fs).error();
  auto folder = ResolveFolder(*fs, path);
  if (!folder.ok()) return std::move(folder).error();
  return Detect(*folder);
}

Result<RenderResult> RenderTracked(const RenderRequest& request, ReadTracker* tracker) {
  auto fs = RootedFs::Open(request.root);
  if (!fs.ok()) return std::move(fs).error().Wrap("render");
  auto folder = ResolveFolder(*fs, request.path);
  if (!folder.ok()) return std::move(folder).error().Wrap("render");
  SourceKind kind = request.kind;
  if (kind == SourceKind::kAuto) {
    // Which generator runs depends on the folder's entries.
    if (tracker != nullptr) tracker->AddListing(*folder);
    kind = Detect(*folder);
  }
  auto result = RenderFolder(*fs, *folder, request, kind, tracker);
  if (!result.ok()) {
    return std::move(result).error().Wrap(
        fmt::format("render {} {}", SourceKindName(kind), fs->Display(*folder)));
  }
  return result;
}

Result<RenderResult> Render(const RenderRequest& request) {
  return RenderTracked(request, nullptr);
}

}  // namespace capstan::render
