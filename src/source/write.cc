// Reverting a branch to an earlier revision in one new commit, pushed as a fast-forward.
#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "source/internal/git.h"
#include "source/internal/push.h"
#include "source/source.h"

namespace capstan::source {
namespace {

using internal::GitPtr;
using internal::LastGitError;
using internal::OidHex;

// Reverted commits named in the message body; a revert over a long history stays readable.
constexpr size_t kMaxListedCommits = 20;
constexpr std::string_view kHeadsPrefix = "refs/heads/";

std::string Where(const Repository& mirror, const std::string& branch) {
  return fmt::format("git {}: branch {}", mirror.url, branch);
}

struct SignatureFree {
  void operator()(git_signature* p) const { git_signature_free(p); }
};
struct RevwalkFree {
  void operator()(git_revwalk* p) const { git_revwalk_free(p); }
};

Result<GitPtr<git_commit>> LookupCommit(git_repository* git, const git_oid& oid,
                                        const std::string& where) {
  git_commit* raw = nullptr;
  if (git_commit_lookup(&raw, git, &oid) != 0) {
    return Error::NotFound(fmt::format("{}: no commit {}: {}", where, OidHex(oid), LastGitError()));
  }
  return GitPtr<git_commit>(raw);
}

// `path` with '/' separators and no leading, trailing or doubled '/'; "" for the whole tree.
Result<std::string> CleanPath(std::string_view path, const std::string& where) {
  std::string clean;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = std::min(path.find('/', start), path.size());
    std::string_view part = path.substr(start, end - start);
    if (part == "..") {
      return Error::Invalid(fmt::format("{}: path {}: \"..\" is not allowed", where, path));
    }
    if (!part.empty() && part != ".") {
      if (!clean.empty()) clean += '/';
      clean += part;
    }
    start = end + 1;
  }
  return clean;
}

// The id and mode of what `commit` has at `path`; nullopt when it has nothing there.
std::optional<std::pair<git_oid, git_filemode_t>> EntryAt(git_commit* commit,
                                                          const std::string& path) {
  git_tree* raw_tree = nullptr;
  if (git_commit_tree(&raw_tree, commit) != 0) return std::nullopt;
  GitPtr<git_tree> tree(raw_tree);
  git_tree_entry* raw_entry = nullptr;
  if (git_tree_entry_bypath(&raw_entry, tree.get(), path.c_str()) != 0) return std::nullopt;
  GitPtr<git_tree_entry> entry(raw_entry);
  return std::make_pair(*git_tree_entry_id(entry.get()), git_tree_entry_filemode(entry.get()));
}

// Whether `commit` changed `path` against its first parent ("" : always).
bool Touches(git_commit* commit, const std::string& path) {
  if (path.empty()) return true;
  auto mine = EntryAt(commit, path);
  git_commit* raw_parent = nullptr;
  if (git_commit_parent(&raw_parent, commit, 0) != 0) return mine.has_value();
  GitPtr<git_commit> parent(raw_parent);
  auto theirs = EntryAt(parent.get(), path);
  if (mine.has_value() != theirs.has_value()) return true;
  return mine && !git_oid_equal(&mine->first, &theirs->first);
}

// The tree to commit: the good commit's, or with a path, the head's tree with only what is
// at `path` taken from the good commit (removed when the good commit has nothing there).
Result<git_oid> NewTree(git_repository* git, git_commit* head, git_commit* good,
                        const std::string& path, const std::string& where) {
  if (path.empty()) return *git_commit_tree_id(good);
  auto at_good = EntryAt(good, path);
  auto at_head = EntryAt(head, path);
  if (!at_good && !at_head) {
    return Error::NotFound(fmt::format("{}: path {}: in neither {} nor the head {}", where, path,
                                       OidHex(*git_commit_id(good)), OidHex(*git_commit_id(head))));
  }
  git_tree* raw_tree = nullptr;
  if (git_commit_tree(&raw_tree, head) != 0) {
    return Error::Internal(fmt::format("{}: tree of the head: {}", where, LastGitError()));
  }
  GitPtr<git_tree> head_tree(raw_tree);
  git_tree_update update{};
  update.path = path.c_str();
  if (at_good) {
    update.action = GIT_TREE_UPDATE_UPSERT;
    update.id = at_good->first;
    update.filemode = at_good->second;
  } else {
    update.action = GIT_TREE_UPDATE_REMOVE;
  }
  git_oid tree;
  if (git_tree_create_updated(&tree, git, head_tree.get(), 1, &update) != 0) {
    return Error::Internal(
        fmt::format("{}: path {}: cannot build the tree: {}", where, path, LastGitError()));
  }
  return tree;
}

// "<sha> <subject>" for each commit after `good` up to `head` that changed `path`, newest
// first.
Result<std::string> ListReverted(git_repository* git, const git_oid& head, const git_oid& good,
                                 const std::string& path, const std::string& where) {
  git_revwalk* raw = nullptr;
  if (git_revwalk_new(&raw, git) != 0) {
    return Error::Internal(fmt::format("{}: {}", where, LastGitError()));
  }
  std::unique_ptr<git_revwalk, RevwalkFree> walk(raw);
  git_revwalk_sorting(walk.get(), GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME);
  if (git_revwalk_push(walk.get(), &head) != 0 || git_revwalk_hide(walk.get(), &good) != 0) {
    return Error::Internal(fmt::format("{}: cannot walk the history: {}", where, LastGitError()));
  }
  std::string lines;
  size_t count = 0;
  git_oid oid;
  while (git_revwalk_next(&oid, walk.get()) == 0) {
    Result<GitPtr<git_commit>> commit = LookupCommit(git, oid, where);
    if (!commit.ok()) return std::move(commit).error();
    if (!Touches(commit->get(), path) || ++count > kMaxListedCommits) continue;
    const char* summary = git_commit_summary(commit->get());
    lines += fmt::format("{} {}\n", OidHex(oid), summary ? summary : "");
  }
  if (count > kMaxListedCommits) {
    lines += fmt::format("... and {} more\n", count - kMaxListedCommits);
  }
  return lines;
}

Result<std::unique_ptr<git_signature, SignatureFree>> Signature(const Identity& identity,
                                                                const std::string& where) {
  git_signature* raw = nullptr;
  if (git_signature_now(&raw, identity.name.c_str(), identity.email.c_str()) != 0) {
    return Error::Invalid(fmt::format("{}: identity {} <{}>: {}", where, identity.name,
                                      identity.email, LastGitError()));
  }
  return std::unique_ptr<git_signature, SignatureFree>(raw);
}

// The remote's default branch, which the mirror's HEAD follows after a fetch.
Result<std::string> DefaultBranch(git_repository* git, const Repository& mirror) {
  git_reference* raw = nullptr;
  const char* target = nullptr;
  if (git_reference_lookup(&raw, git, "HEAD") == 0) target = git_reference_symbolic_target(raw);
  GitPtr<git_reference> head(raw);
  if (target == nullptr || std::string_view(target).rfind(kHeadsPrefix, 0) != 0) {
    return Error::NotFound(
        fmt::format("git {}: branch HEAD: the remote has no default branch", mirror.url));
  }
  return std::string(target + kHeadsPrefix.size());
}

}  // namespace

Result<std::string> RevertToRevision(RepositoryCache& cache, const RevertRequest& request,
                                     const WriteOptions& options) {
  std::string branch = request.branch;
  if (branch.rfind(kHeadsPrefix, 0) == 0) branch.erase(0, kHeadsPrefix.size());
  const bool default_branch = branch.empty() || branch == "HEAD";
  int valid = 0;
  if (!default_branch &&
      (git_reference_name_is_valid(&valid, (std::string(kHeadsPrefix) + branch).c_str()) != 0 ||
       !valid)) {
    return Error::Invalid(
        fmt::format("git {}: branch {}: not a valid branch name", request.url, request.branch));
  }

  Result<std::string> path =
      CleanPath(request.path, fmt::format("git {}: branch {}", request.url, request.branch));
  if (!path.ok()) return std::move(path).error();

  Result<Repository> mirror = cache.Fetch(request.url);
  if (!mirror.ok()) return std::move(mirror).error();
  Result<GitPtr<git_repository>> opened = internal::Open(*mirror);
  if (!opened.ok()) return std::move(opened).error();
  git_repository* git = opened->get();
  if (default_branch) {
    Result<std::string> name = DefaultBranch(git, *mirror);
    if (!name.ok()) return std::move(name).error();
    branch = *name;
  }
  const std::string refname = std::string(kHeadsPrefix) + branch;
  const std::string where = Where(*mirror, branch);

  git_oid head;
  if (git_reference_name_to_id(&head, git, refname.c_str()) != 0) {
    return Error::NotFound(fmt::format("{}: no such branch on the remote", where));
  }
  if (!request.expected_head.empty() && OidHex(head) != request.expected_head) {
    return Error::Conflict(fmt::format("{}: is at {}, not at the expected {}", where, OidHex(head),
                                       request.expected_head));
  }
  Result<Resolved> good_resolved = Resolve(*mirror, request.good_revision);
  if (!good_resolved.ok()) return std::move(good_resolved).error();
  git_oid good;
  git_oid_fromstr(&good, good_resolved->sha.c_str());
  if (!git_oid_equal(&good, &head) && git_graph_descendant_of(git, &head, &good) != 1) {
    return Error::Invalid(fmt::format("{}: revision {} ({}) is not an ancestor of the head {}",
                                      where, request.good_revision, good_resolved->sha,
                                      OidHex(head)));
  }

  Result<GitPtr<git_commit>> head_commit = LookupCommit(git, head, where);
  if (!head_commit.ok()) return std::move(head_commit).error();
  Result<GitPtr<git_commit>> good_commit = LookupCommit(git, good, where);
  if (!good_commit.ok()) return std::move(good_commit).error();
  Result<git_oid> tree_id = NewTree(git, head_commit->get(), good_commit->get(), *path, where);
  if (!tree_id.ok()) return std::move(tree_id).error();
  if (git_oid_equal(git_commit_tree_id(head_commit->get()), &*tree_id)) {
    return OidHex(head);  // already there: nothing to revert
  }

  Result<std::string> reverted = ListReverted(git, head, good, *path, where);
  if (!reverted.ok()) return std::move(reverted).error();
  const char* summary = git_commit_summary(good_commit->get());
  std::string message = fmt::format("Revert {}to {}: {}\n\n{}", path->empty() ? "" : *path + " ",
                                    OidHex(good), summary ? summary : "", *reverted);

  git_tree* raw_tree = nullptr;
  if (git_tree_lookup(&raw_tree, git, &*tree_id) != 0) {
    return Error::Internal(fmt::format("{}: tree {}: {}", where, OidHex(*tree_id), LastGitError()));
  }
  GitPtr<git_tree> tree(raw_tree);
  auto author = Signature(options.author, where);
  if (!author.ok()) return std::move(author).error();
  auto committer = Signature(options.committer, where);
  if (!committer.ok()) return std::move(committer).error();
  const git_commit* parents[] = {head_commit->get()};
  git_oid created;
  // No ref is updated here: the mirror's branch follows the remote's, moved below only once
  // the remote took the commit.
  if (git_commit_create(&created, git, nullptr, author->get(), committer->get(), "UTF-8",
                        message.c_str(), tree.get(), 1, parents) != 0) {
    return Error::Unavailable(
        fmt::format("{}: cannot write the commit: {}", where, LastGitError()));
  }

  CAPSTAN_TRY(internal::PushFastForward(git, *mirror, branch, head, created, options.credentials));

  // Best effort: a fetch running now may hold the ref's lock, and the next fetch sets it
  // anyway.
  git_reference* raw_ref = nullptr;
  if (git_reference_create_matching(&raw_ref, git, refname.c_str(), &created, 1, &head,
                                    "capstan revert") == 0) {
    git_reference_free(raw_ref);
  }
  return OidHex(created);
}

}  // namespace capstan::source
