// Walks a tree object recursively; refuses what could write or point outside the tree.
#include "source/internal/tree_walk.h"

#include <fmt/format.h>

#include <optional>

#include "source/internal/git.h"

namespace capstan::source::internal {
namespace {

// Splits on '/', dropping empty and "." parts; nullopt when a part is "..".
std::optional<std::vector<std::string>> Components(std::string_view path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    std::string_view part =
        path.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (part == "..") return std::nullopt;
    if (!part.empty() && part != ".") parts.emplace_back(part);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return parts;
}

// Whether a link at `link_path` (relative to the walked root) with `target` stays inside
// the root when resolved lexically: "a/l -> ../b" does, "l -> ../x" and "/etc" do not.
bool StaysInside(std::string_view link_path, std::string_view target) {
  if (target.empty() || target[0] == '/') return false;
  size_t depth = 0;
  for (char c : link_path) depth += c == '/' ? 1 : 0;  // folders above the link
  size_t start = 0;
  while (start <= target.size()) {
    size_t slash = target.find('/', start);
    std::string_view part =
        target.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (part == "..") {
      if (depth == 0) return false;
      --depth;
    } else if (!part.empty() && part != ".") {
      ++depth;
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return true;
}

struct Walk {
  git_repository* git;
  git_odb* odb;
  std::string context;  // "git URL: revision SHA"
  const TreeLimits& limits;
  uint64_t total_bytes = 0;
  std::vector<TreeFile> files;

  Status Visit(const git_tree* tree, const std::string& prefix) {
    for (size_t i = 0; i < git_tree_entrycount(tree); ++i) {
      const git_tree_entry* entry = git_tree_entry_byindex(tree, i);
      std::string name = git_tree_entry_name(entry);
      std::string path = prefix + name;
      // Git itself never writes these, but a crafted tree can.
      if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
          name == ".git") {
        return Error::Invalid(fmt::format("{}: path \"{}\": refused entry name", context, path));
      }
      git_filemode_t mode = git_tree_entry_filemode(entry);
      if (mode == GIT_FILEMODE_COMMIT) continue;  // a submodule: not part of this repository
      if (mode == GIT_FILEMODE_TREE) {
        git_tree* raw = nullptr;
        if (git_tree_lookup(&raw, git, git_tree_entry_id(entry)) != 0) {
          return Error::Internal(fmt::format("{}: {}: {}", context, path, LastGitError()));
        }
        GitPtr<git_tree> subtree(raw);
        CAPSTAN_TRY(Visit(subtree.get(), path + "/"));
        continue;
      }
      CAPSTAN_TRY(AddFile(entry, mode, path));
    }
    return OkStatus();
  }

  Status AddFile(const git_tree_entry* entry, git_filemode_t mode, const std::string& path) {
    TreeFile file;
    file.path = path;
    file.blob = *git_tree_entry_id(entry);
    size_t size = 0;
    git_object_t type = GIT_OBJECT_INVALID;
    if (git_odb_read_header(&size, &type, odb, &file.blob) != 0 || type != GIT_OBJECT_BLOB) {
      return Error::Internal(
          fmt::format("{}: {}: unreadable blob: {}", context, path, LastGitError()));
    }
    file.size = size;
    file.kind =
        mode == GIT_FILEMODE_BLOB_EXECUTABLE ? TreeFile::Kind::kExecutable : TreeFile::Kind::kFile;
    if (mode == GIT_FILEMODE_LINK) {
      file.kind = TreeFile::Kind::kSymlink;
      git_blob* raw = nullptr;
      if (git_blob_lookup(&raw, git, &file.blob) != 0) {
        return Error::Internal(fmt::format("{}: {}: {}", context, path, LastGitError()));
      }
      GitPtr<git_blob> blob(raw);
      file.link_target.assign(static_cast<const char*>(git_blob_rawcontent(blob.get())),
                              git_blob_rawsize(blob.get()));
      if (!StaysInside(path, file.link_target)) {
        return Error::Invalid(
            fmt::format("{}: path \"{}\": symbolic link to \"{}\" leads outside "
                        "the tree",
                        context, path, file.link_target));
      }
    }
    total_bytes += file.size;
    if (files.size() + 1 > limits.max_files) {
      return Error::Invalid(fmt::format("{}: more than {} files", context, limits.max_files));
    }
    if (total_bytes > limits.max_total_bytes) {
      return Error::Invalid(
          fmt::format("{}: files larger than {} bytes in total", context, limits.max_total_bytes));
    }
    files.push_back(std::move(file));
    return OkStatus();
  }
};

}  // namespace

Result<std::vector<TreeFile>> ListTree(git_repository* git, const Repository& repo,
                                       std::string_view sha, std::string_view subpath,
                                       const TreeLimits& limits) {
  std::string context = Describe(repo, sha);
  git_oid oid;
  git_commit* raw_commit = nullptr;
  if (sha.size() != GIT_OID_HEXSZ || git_oid_fromstrn(&oid, sha.data(), sha.size()) != 0 ||
      git_commit_lookup(&raw_commit, git, &oid) != 0) {
    return Error::NotFound(fmt::format("{}: not a commit of the repository", context));
  }
  GitPtr<git_commit> commit(raw_commit);
  git_tree* raw_tree = nullptr;
  if (git_commit_tree(&raw_tree, commit.get()) != 0) {
    return Error::Internal(fmt::format("{}: {}", context, LastGitError()));
  }
  GitPtr<git_tree> tree(raw_tree);
  std::optional<std::vector<std::string>> parts = Components(subpath);
  if (!parts) {
    return Error::Invalid(fmt::format("{}: path \"{}\": \"..\" is not allowed", context, subpath));
  }
  std::string joined;
  for (const std::string& part : *parts) joined += (joined.empty() ? "" : "/") + part;
  if (!joined.empty()) {
    context += fmt::format(": path \"{}\"", joined);
    git_tree_entry* raw_entry = nullptr;
    if (git_tree_entry_bypath(&raw_entry, tree.get(), joined.c_str()) != 0) {
      return Error::NotFound(fmt::format("{}: no such folder in the commit", context));
    }
    GitPtr<git_tree_entry> entry(raw_entry);
    if (git_tree_entry_type(entry.get()) != GIT_OBJECT_TREE) {
      return Error::Invalid(fmt::format("{}: not a folder", context));
    }
    git_tree* raw_sub = nullptr;
    if (git_tree_lookup(&raw_sub, git, git_tree_entry_id(entry.get())) != 0) {
      return Error::Internal(fmt::format("{}: {}", context, LastGitError()));
    }
    tree.reset(raw_sub);
  }
  git_odb* raw_odb = nullptr;
  if (git_repository_odb(&raw_odb, git) != 0) {
    return Error::Internal(fmt::format("{}: {}", context, LastGitError()));
  }
  GitPtr<git_odb> odb(raw_odb);
  Walk walk{git, odb.get(), context, limits, 0, {}};
  CAPSTAN_TRY(walk.Visit(tree.get(), ""));
  return std::move(walk.files);
}

}  // namespace capstan::source::internal
