// A fast-forward push of one commit: libgit2's push for ssh and https, a compare-and-swap on
// the ref for local remotes.
#include "source/internal/push.h"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <optional>

#include "source/internal/credentials.h"
#include "source/internal/git.h"

namespace capstan::source::internal {
namespace {

// Words in a receive-pack refusal that mean the branch is not where the push expected it;
// anything else (a hook, a protected branch) is not cured by fetching and retrying.
constexpr std::string_view kMovedWords[] = {"fast-forward", "fetch first", "stale", "lock",
                                            "failed to update ref"};

std::string Where(const Repository& mirror, const std::string& branch) {
  return fmt::format("git {}: branch {}", mirror.url, branch);
}

// A name no other push in this or another process uses at the same time.
std::string UniqueRef(std::string_view prefix) {
  static std::atomic<uint64_t> counter{0};
  return fmt::format("{}{}-{}", prefix, getpid(), counter++);
}

// The folder of a local remote (file:// URL or path), nullopt for network remotes.
std::optional<std::string> LocalPath(const std::string& url) {
  constexpr std::string_view kFile = "file://";
  if (url.rfind(kFile, 0) == 0) return url.substr(kFile.size());
  if (url.find("://") != std::string::npos) return std::nullopt;
  size_t colon = url.find(':');
  if (colon == std::string::npos || url.find('/') < colon) return url;
  return std::nullopt;  // scp-like ssh: git@host:org/repo
}

struct PushState : CredentialContext {
  git_oid parent;        // where the remote's branch must still be
  bool moved = false;    // it was elsewhere when the push listed the remote's refs
  git_oid remote_at{};   // where it was then, when moved
  std::string rejected;  // receive-pack's reason for refusing the ref; empty when accepted
};

// Called once the remote's refs are known and before anything is sent: libgit2 by itself
// would accept any fast-forward, also over a branch that was rewound behind our parent.
int OnNegotiation(const git_push_update** updates, size_t count, void* payload) {
  auto* state = static_cast<PushState*>(static_cast<CredentialContext*>(payload));
  for (size_t i = 0; i < count; ++i) {
    if (!git_oid_equal(&updates[i]->src, &state->parent)) {
      state->moved = true;
      state->remote_at = updates[i]->src;
      git_error_set_str(GIT_ERROR_CALLBACK, "the branch moved");
      return GIT_EUSER;
    }
  }
  return 0;
}

int OnUpdateReference(const char* /*refname*/, const char* status, void* payload) {
  auto* state = static_cast<PushState*>(static_cast<CredentialContext*>(payload));
  if (status != nullptr && state->rejected.empty()) state->rejected = status;
  return 0;
}

Status NetworkPush(git_repository* git, const Repository& mirror, const std::string& branch,
                   const git_oid& parent, const git_oid& commit, CredentialProvider* credentials) {
  // libgit2 pushes from a ref, not an object: a private ref outside the fetched refspecs,
  // so a concurrent fetch's prune leaves it alone.
  std::string source = UniqueRef("refs/capstan/push/");
  git_reference* raw_ref = nullptr;
  if (git_reference_create(&raw_ref, git, source.c_str(), &commit, 1, "capstan push") != 0) {
    return Error::Internal(fmt::format("{}: cannot create {} in the mirror: {}",
                                       Where(mirror, branch), source, LastGitError()));
  }
  GitPtr<git_reference> ref(raw_ref);
  struct RemoveRef {
    git_reference* ref;
    ~RemoveRef() { git_reference_delete(ref); }
  } remove_ref{ref.get()};

  git_remote* raw_remote = nullptr;
  if (git_remote_create_anonymous(&raw_remote, git, mirror.url.c_str()) != 0) {
    return Error::Invalid(
        fmt::format("{}: not a usable remote URL: {}", Where(mirror, branch), LastGitError()));
  }
  GitPtr<git_remote> remote(raw_remote);
  PushState state;
  state.provider = credentials;
  state.parent = parent;
  git_push_options options;
  git_push_options_init(&options, GIT_PUSH_OPTIONS_VERSION);
  options.callbacks.credentials = AcquireCredential;
  options.callbacks.push_negotiation = OnNegotiation;
  options.callbacks.push_update_reference = OnUpdateReference;
  options.callbacks.payload = static_cast<CredentialContext*>(&state);
  std::string refspec = fmt::format("{}:refs/heads/{}", source, branch);  // no '+': never forced
  char* specs[] = {refspec.data()};
  git_strarray refspecs{specs, 1};
  int rc = git_remote_push(remote.get(), &refspecs, &options);
  if (state.moved) {
    return Error::Conflict(
        fmt::format("{}: moved on the remote since the fetch (now at {}, not {})",
                    Where(mirror, branch), OidHex(state.remote_at), OidHex(parent)));
  }
  if (rc == GIT_ENONFASTFORWARD) {
    return Error::Conflict(fmt::format("{}: moved on the remote since the fetch: {}",
                                       Where(mirror, branch), LastGitError()));
  }
  if (rc != 0) {
    return Error::Unavailable(
        fmt::format("{}: push failed: {}", Where(mirror, branch), LastGitError()));
  }
  if (state.rejected.empty()) return OkStatus();
  for (std::string_view word : kMovedWords) {
    if (state.rejected.find(word) != std::string::npos) {
      return Error::Conflict(fmt::format("{}: moved on the remote since the fetch: {}",
                                         Where(mirror, branch), state.rejected));
    }
  }
  return Error::Unavailable(
      fmt::format("{}: the remote refused the push: {}", Where(mirror, branch), state.rejected));
}

// Copies `oid` and what it reaches from `from` to `to`, stopping at objects `to` has: a
// present tree has all its entries (Git never stores a tree before its contents).
Status CopyMissing(git_odb* from, git_odb* to, git_repository* git, const git_oid& oid) {
  if (git_odb_exists(to, &oid)) return OkStatus();
  git_odb_object* raw = nullptr;
  if (git_odb_read(&raw, from, &oid) != 0) {
    return Error::Internal(
        fmt::format("object {} missing from the mirror: {}", OidHex(oid), LastGitError()));
  }
  std::unique_ptr<git_odb_object, decltype(&git_odb_object_free)> object(raw, git_odb_object_free);
  git_object_t type = git_odb_object_type(object.get());
  if (type == GIT_OBJECT_TREE) {
    git_tree* raw_tree = nullptr;
    if (git_tree_lookup(&raw_tree, git, &oid) != 0) {
      return Error::Internal(fmt::format("tree {}: {}", OidHex(oid), LastGitError()));
    }
    GitPtr<git_tree> tree(raw_tree);
    for (size_t i = 0, n = git_tree_entrycount(tree.get()); i < n; ++i) {
      const git_tree_entry* entry = git_tree_entry_byindex(tree.get(), i);
      if (git_tree_entry_type(entry) == GIT_OBJECT_COMMIT) continue;  // a submodule
      CAPSTAN_TRY(CopyMissing(from, to, git, *git_tree_entry_id(entry)));
    }
  } else if (type == GIT_OBJECT_COMMIT) {
    git_commit* raw_commit = nullptr;
    if (git_commit_lookup(&raw_commit, git, &oid) != 0) {
      return Error::Internal(fmt::format("commit {}: {}", OidHex(oid), LastGitError()));
    }
    GitPtr<git_commit> commit(raw_commit);
    CAPSTAN_TRY(CopyMissing(from, to, git, *git_commit_tree_id(commit.get())));
    // Parents are the remote's branch head or older; one the remote lacks means the
    // branch was rewritten, which the compare-and-swap below reports.
  }
  git_oid written;
  if (git_odb_write(&written, to, git_odb_object_data(object.get()),
                    git_odb_object_size(object.get()), type) != 0) {
    return Error::Unavailable(
        fmt::format("cannot write object {}: {}", OidHex(oid), LastGitError()));
  }
  return OkStatus();
}

Status LocalPush(git_repository* git, const Repository& mirror, const std::string& path,
                 const std::string& branch, const git_oid& parent, const git_oid& commit) {
  git_repository* raw_remote = nullptr;
  if (git_repository_open_ext(&raw_remote, path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) !=
      0) {
    return Error::Unavailable(fmt::format("{}: cannot open the remote repository: {}",
                                          Where(mirror, branch), LastGitError()));
  }
  GitPtr<git_repository> remote(raw_remote);
  std::string refname = "refs/heads/" + branch;
  // As `git push` refuses by default (receive.denyCurrentBranch): the work tree there would
  // silently stop matching its branch.
  if (!git_repository_is_bare(remote.get())) {
    git_reference* raw_head = nullptr;
    if (git_reference_lookup(&raw_head, remote.get(), "HEAD") == 0) {
      GitPtr<git_reference> head(raw_head);
      const char* target = git_reference_symbolic_target(head.get());
      if (target != nullptr && refname == target) {
        return Error::Unavailable(
            fmt::format("{}: the remote is a non-bare repository with this branch checked out",
                        Where(mirror, branch)));
      }
    }
  }
  git_odb* raw_from = nullptr;
  git_odb* raw_to = nullptr;
  if (git_repository_odb(&raw_from, git) != 0 || git_repository_odb(&raw_to, remote.get()) != 0) {
    git_odb_free(raw_from);
    return Error::Internal(
        fmt::format("{}: cannot open object stores: {}", Where(mirror, branch), LastGitError()));
  }
  GitPtr<git_odb> from(raw_from);
  GitPtr<git_odb> to(raw_to);
  Status copied = CopyMissing(from.get(), to.get(), git, commit);
  if (!copied.ok()) {
    return Error(copied.error().code(),
                 fmt::format("{}: {}", Where(mirror, branch), copied.error().message()));
  }
  git_reference* raw_ref = nullptr;
  int rc = git_reference_create_matching(&raw_ref, remote.get(), refname.c_str(), &commit, 1,
                                         &parent, "capstan push");
  git_reference_free(raw_ref);
  // ELOCKED: another push is moving the branch right now, so it will have moved.
  if (rc == GIT_EMODIFIED || rc == GIT_ENOTFOUND || rc == GIT_ELOCKED) {
    return Error::Conflict(
        fmt::format("{}: moved on the remote since the fetch", Where(mirror, branch)));
  }
  if (rc != 0) {
    return Error::Unavailable(fmt::format("{}: cannot update the remote branch: {}",
                                          Where(mirror, branch), LastGitError()));
  }
  return OkStatus();
}

}  // namespace

Status PushFastForward(git_repository* git, const Repository& mirror, const std::string& branch,
                       const git_oid& parent, const git_oid& commit,
                       CredentialProvider* credentials) {
  if (std::optional<std::string> path = LocalPath(mirror.url)) {
    return LocalPush(git, mirror, *path, branch, parent, commit);
  }
  return NetworkPush(git, mirror, branch, parent, commit, credentials);
}

}  // namespace capstan::source::internal
