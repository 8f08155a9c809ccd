// Internal to the kustomize builder: reading the files one kustomization names, with
// kustomize's restrictions on top of the repository's: a file (resource, patch,
// generator source) must be in or below the kustomization's own folder, while a folder
// (a base or component) may be anywhere inside the repository root. Every path goes
// through RootedFs::Resolve, so `../` escapes and symbolic links leaving the root are
// refused with an error naming the kustomization file and the entry.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/fs.h"
#include "core/result.h"

namespace capstan::render::kustomize {

// Largest single file a kustomization may read (resources, patches, generator sources).
inline constexpr size_t kMaxKustomizeFileBytes = 32u << 20;

// Whether `entry` names a remote resource (URL or Git repository) rather than a path.
bool IsRemoteEntry(std::string_view entry);

class FileLoader {
 public:
  // `dir`: the kustomization's folder (absolute, inside fs.root()); `file`: its
  // kustomization file relative to the root, for messages. `fs` must outlive this.
  FileLoader(const RootedFs& fs, std::filesystem::path dir, std::string file)
      : fs_(fs), dir_(std::move(dir)), file_(std::move(file)) {}

  // Reads the file `entry` (relative to the folder) named by the kustomization field
  // `field` ("resources", "configMapGenerator[0].files"...).
  Result<std::string> Read(std::string_view entry, std::string_view field) const;

  // The absolute path of `entry` (relative to the folder), which must stay inside the
  // root. Sets `*is_directory` when it is a folder. NotFound when it does not exist.
  Result<std::filesystem::path> Resolve(std::string_view entry, std::string_view field,
                                        bool* is_directory) const;

  const RootedFs& fs() const { return fs_; }
  const std::filesystem::path& dir() const { return dir_; }
  const std::string& file() const { return file_; }

 private:
  const RootedFs& fs_;
  std::filesystem::path dir_;
  std::string file_;
};

}  // namespace capstan::render::kustomize
