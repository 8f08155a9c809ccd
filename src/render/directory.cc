#include <fmt/format.h>

#include <algorithm>
#include <system_error>

#include "render/internal/generators.h"
#include "render/internal/glob.h"

namespace capstan::render {
namespace fs = std::filesystem;
namespace {

bool IsManifestName(std::string_view name) {
  for (std::string_view ext : {".yaml", ".yml", ".json"}) {
    if (name.size() > ext.size() && name.substr(name.size() - ext.size()) == ext) return true;
  }
  return false;
}

struct Walk {
  const RootedFs& fs;
  const DirectoryOptions& options;
  ReadTracker* tracker;
  std::vector<Manifest> manifests;

  bool Selected(const std::string& relative) const {
    if (GlobMatchAny(options.exclude, relative)) return false;
    return options.include.empty() || GlobMatchAny(options.include, relative);
  }

  Status ReadFile(const fs::path& path) {
    std::string display = fs.Display(path);
    // Resolving again follows a symbolic link and refuses one that leaves the root.
    auto real = fs.Resolve("", display);
    if (!real.ok()) return std::move(real).error();
    auto text = ReadFileTracked(*real, kMaxManifestFileBytes, tracker);
    if (!text.ok()) return std::move(text).error();
    return AppendManifestText(*text, display, manifests);
  }

  // Argo CD's order: names sorted within each folder, a sub-folder's files read where
  // the sub-folder's name sorts ("a/x.yaml" before "a.yaml", as Go's filepath.Walk does).
  Status Folder(const fs::path& folder, const std::string& relative) {
    if (tracker != nullptr) tracker->AddListing(folder);
    std::vector<fs::directory_entry> entries;
    std::error_code ec;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
      entries.push_back(*it);
    }
    if (ec) return Error::NotFound(fmt::format("{}: {}", fs.Display(folder), ec.message()));
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
      return a.path().filename() < b.path().filename();
    });
    for (const fs::directory_entry& entry : entries) {
      std::string name = entry.path().filename().string();
      std::string child = relative.empty() ? name : fmt::format("{}/{}", relative, name);
      // Like filepath.Walk, a linked folder is not entered; a linked file is read.
      bool link = entry.is_symlink(ec);
      if (!link && entry.is_directory(ec)) {
        if (name == ".git" || !options.recurse) continue;
        CAPSTAN_TRY(Folder(entry.path(), child));
        continue;
      }
      if (!IsManifestName(name) || !Selected(child)) continue;
      if (link && entry.is_directory(ec)) continue;
      CAPSTAN_TRY(ReadFile(entry.path()));
    }
    return OkStatus();
  }
};

}  // namespace

Result<std::vector<Manifest>> RenderDirectory(const RootedFs& fs, const fs::path& folder,
                                              const DirectoryOptions& options,
                                              ReadTracker* tracker) {
  Walk walk{fs, options, tracker, {}};
  CAPSTAN_TRY(walk.Folder(folder, ""));
  return std::move(walk.manifests);
}

}  // namespace capstan::render
