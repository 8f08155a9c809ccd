// Pushing one commit to a branch as a fast-forward. Not part of the module's interface.
#pragma once

#include <git2.h>

#include <string>

#include "core/result.h"
#include "source/source.h"

namespace capstan::source::internal {

// Moves refs/heads/`branch` on `mirror`'s remote from `parent` to `commit`, both objects of
// the mirror `git`, sending what the remote lacks. Conflict when the remote's branch is no
// longer at `parent`; Unavailable when the remote cannot be reached, refuses the
// credentials or refuses the update. Local remotes (file:// and paths) are updated with a
// compare-and-swap on the ref, since libgit2's local transport would overwrite a branch
// that moved after it listed the refs.
Status PushFastForward(git_repository* git, const Repository& mirror, const std::string& branch,
                       const git_oid& parent, const git_oid& commit,
                       CredentialProvider* credentials);

}  // namespace capstan::source::internal
