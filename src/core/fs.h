// Files: bounded reads, atomic writes, and confinement of paths to a root directory.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/result.h"

namespace capstan {

// Reads a whole file, refusing (before reading) one larger than `max_bytes`.
Result<std::string> ReadFileBounded(const std::filesystem::path& path, size_t max_bytes);

// Writes `contents` durably: temp file in the same directory, fsync, rename.
Status WriteFileAtomic(const std::filesystem::path& path, std::string_view contents);

// A directory that every read must stay inside (a repository checkout).
class RootedFs {
 public:
  // REQUIRES: `root` exists. It is canonicalized once here.
  static Result<RootedFs> Open(const std::filesystem::path& root);

  const std::filesystem::path& root() const { return root_; }

  // Resolves `relative` (interpreted against `base`, itself relative to the root) to an
  // absolute path, following symbolic links, and refuses any result outside the root:
  // "../../etc/passwd", an absolute path, or a link that points out.
  // The path need not exist; its existing prefix is checked.
  Result<std::filesystem::path> Resolve(const std::filesystem::path& base,
                                        std::string_view relative) const;

  // The path of `absolute` relative to the root, for messages ("overlays/prod/kustomization.yaml").
  std::string Display(const std::filesystem::path& absolute) const;

 private:
  explicit RootedFs(std::filesystem::path root) : root_(std::move(root)) {}
  std::filesystem::path root_;
};

}  // namespace capstan
