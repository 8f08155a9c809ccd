// Listing a commit's tree under a path, with the checks ReadTree and MaterializeTree share.
#pragma once

#include <git2.h>

#include <string>
#include <vector>

#include "core/result.h"
#include "source/source.h"

namespace capstan::source::internal {

struct TreeFile {
  enum class Kind { kFile, kExecutable, kSymlink };
  std::string path;  // relative to the subpath, '/'-separated
  Kind kind = Kind::kFile;
  git_oid blob;  // contents (for a symlink: its target)
  uint64_t size = 0;
  std::string link_target;  // kSymlink only
};

// Every file and symlink of commit `sha` under `subpath`, in tree order, after checking
// names, symlink targets (lexically) and `limits`; nothing is read but symlink targets.
Result<std::vector<TreeFile>> ListTree(git_repository* git, const Repository& repo,
                                       std::string_view sha, std::string_view subpath,
                                       const TreeLimits& limits);

}  // namespace capstan::source::internal
