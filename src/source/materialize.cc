// A commit's files written into an empty folder, for generators that read directories.
#include <fmt/format.h>

#include <fstream>
#include <system_error>

#include "source/internal/git.h"
#include "source/internal/tree_walk.h"
#include "source/source.h"

namespace capstan::source {
namespace {

namespace fs = std::filesystem;
using internal::TreeFile;

Status WriteFile(git_repository* git, const TreeFile& file, const fs::path& to,
                 const std::string& context) {
  git_blob* raw = nullptr;
  if (git_blob_lookup(&raw, git, &file.blob) != 0) {
    return Error::Internal(fmt::format("{}: {}: {}", context, file.path, internal::LastGitError()));
  }
  internal::GitPtr<git_blob> blob(raw);
  std::ofstream out(to, std::ios::binary | std::ios::trunc);
  out.write(static_cast<const char*>(git_blob_rawcontent(blob.get())),
            static_cast<std::streamsize>(git_blob_rawsize(blob.get())));
  out.close();
  if (!out) {
    return Error::Unavailable(fmt::format("{}: cannot write {}", context, to.string()));
  }
  if (file.kind == TreeFile::Kind::kExecutable) {
    std::error_code ec;
    fs::permissions(to, fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec,
                    fs::perm_options::add, ec);
  }
  return OkStatus();
}

// The lexical check in ListTree cannot see links that go through other links
// ("d/l2 -> ../l1/.." with "l1 -> ."); once all links exist, follow each for real.
Status CheckLinksResolveInside(const std::vector<TreeFile>& files, const fs::path& root,
                               const std::string& context) {
  for (const TreeFile& file : files) {
    if (file.kind != TreeFile::Kind::kSymlink) continue;
    std::error_code ec;
    fs::path resolved = fs::weakly_canonical(root / file.path, ec);
    fs::path relative = resolved.lexically_relative(root);
    if (ec || relative.empty() || *relative.begin() == "..") {
      return Error::Invalid(
          fmt::format("{}: path \"{}\": symbolic link to \"{}\" leads outside "
                      "the tree",
                      context, file.path, file.link_target));
    }
  }
  return OkStatus();
}

}  // namespace

Status MaterializeTree(const Repository& repo, std::string_view sha, std::string_view subpath,
                       const fs::path& dir, const TreeLimits& limits) {
  const std::string context = internal::Describe(repo, sha);
  std::error_code ec;
  fs::path root = fs::canonical(dir, ec);
  if (ec || !fs::is_directory(root) || !fs::is_empty(root, ec)) {
    return Error::Invalid(
        fmt::format("{}: {} must be an existing empty folder", context, dir.string()));
  }
  Result<internal::GitPtr<git_repository>> opened = internal::Open(repo);
  if (!opened.ok()) return std::move(opened).error();
  Result<std::vector<TreeFile>> files =
      internal::ListTree(opened->get(), repo, sha, subpath, limits);
  if (!files.ok()) return std::move(files).error();
  for (const TreeFile& file : *files) {
    fs::path to = root / file.path;
    fs::create_directories(to.parent_path(), ec);
    if (ec) {
      return Error::Unavailable(fmt::format("{}: cannot create {}: {}", context,
                                            to.parent_path().string(), ec.message()));
    }
    if (file.kind == TreeFile::Kind::kSymlink) {
      fs::create_symlink(file.link_target, to, ec);
      if (ec) {
        return Error::Unavailable(
            fmt::format("{}: cannot create link {}: {}", context, to.string(), ec.message()));
      }
      continue;
    }
    CAPSTAN_TRY(WriteFile(opened->get(), file, to, context));
  }
  return CheckLinksResolveInside(*files, root, context);
}

}  // namespace capstan::source
