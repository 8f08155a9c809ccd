// libgit2 plumbing shared by the source module's files: initialization, owning pointers
// and error text. Not part of the module's interface.
#pragma once

#include <git2.h>

#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "source/source.h"

namespace capstan::source::internal {

// Initializes libgit2 once per process (never shut down: other threads may still use it).
void InitGit();

struct GitFree {
  void operator()(git_repository* p) const { git_repository_free(p); }
  void operator()(git_remote* p) const { git_remote_free(p); }
  void operator()(git_reference* p) const { git_reference_free(p); }
  void operator()(git_object* p) const { git_object_free(p); }
  void operator()(git_commit* p) const { git_commit_free(p); }
  void operator()(git_tree* p) const { git_tree_free(p); }
  void operator()(git_tree_entry* p) const { git_tree_entry_free(p); }
  void operator()(git_blob* p) const { git_blob_free(p); }
  void operator()(git_odb* p) const { git_odb_free(p); }
};
template <typename T>
using GitPtr = std::unique_ptr<T, GitFree>;

// libgit2's message for the last failure on this thread, or "unknown libgit2 error".
std::string LastGitError();

// "git URL" (and ": revision R" when `revision` is not empty), the start of every message.
std::string Describe(const Repository& repo, std::string_view revision = {});

// Opens the bare mirror of `repo`; NotFound when it was never fetched.
Result<GitPtr<git_repository>> Open(const Repository& repo);

// Hex of `oid`.
std::string OidHex(const git_oid& oid);

}  // namespace capstan::source::internal
