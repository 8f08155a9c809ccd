// A commit's files as an in-memory map, for small trees and tests.
#include <fmt/format.h>

#include "source/internal/git.h"
#include "source/internal/tree_walk.h"
#include "source/source.h"

namespace capstan::source {

Result<std::map<std::string, std::string>> ReadTree(const Repository& repo, std::string_view sha,
                                                    std::string_view subpath,
                                                    const TreeLimits& limits) {
  Result<internal::GitPtr<git_repository>> opened = internal::Open(repo);
  if (!opened.ok()) return std::move(opened).error();
  Result<std::vector<internal::TreeFile>> files =
      internal::ListTree(opened->get(), repo, sha, subpath, limits);
  if (!files.ok()) return std::move(files).error();
  std::map<std::string, std::string> out;
  for (internal::TreeFile& file : *files) {
    if (file.kind == internal::TreeFile::Kind::kSymlink) {
      out.emplace(std::move(file.path), std::move(file.link_target));
      continue;
    }
    git_blob* raw = nullptr;
    if (git_blob_lookup(&raw, opened->get(), &file.blob) != 0) {
      return Error::Internal(fmt::format("{}: {}: {}", internal::Describe(repo, sha), file.path,
                                         internal::LastGitError()));
    }
    internal::GitPtr<git_blob> blob(raw);
    out.emplace(std::move(file.path),
                std::string(static_cast<const char*>(git_blob_rawcontent(blob.get())),
                            git_blob_rawsize(blob.get())));
  }
  return out;
}

}  // namespace capstan::source
