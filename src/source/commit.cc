// Commit metadata for history records and status ("deployed abc123 by Ana: fix probe").
#include <fmt/format.h>

#include "source/internal/git.h"
#include "source/source.h"

namespace capstan::source {

Result<CommitInfo> ReadCommit(const Repository& repo, std::string_view sha) {
  Result<internal::GitPtr<git_repository>> opened = internal::Open(repo);
  if (!opened.ok()) return std::move(opened).error();
  git_oid oid;
  if (sha.size() != GIT_OID_HEXSZ || git_oid_fromstrn(&oid, sha.data(), sha.size()) != 0) {
    return Error::Invalid(
        fmt::format("{}: not a full commit SHA (40 hex digits)", internal::Describe(repo, sha)));
  }
  git_commit* raw = nullptr;
  if (git_commit_lookup(&raw, opened->get(), &oid) != 0) {
    return Error::NotFound(fmt::format("{}: no such commit: {}", internal::Describe(repo, sha),
                                       internal::LastGitError()));
  }
  internal::GitPtr<git_commit> commit(raw);
  const git_signature* author = git_commit_author(commit.get());
  CommitInfo info;
  info.sha = internal::OidHex(*git_commit_id(commit.get()));
  info.author_name = author->name ? author->name : "";
  info.author_email = author->email ? author->email : "";
  const char* message = git_commit_message(commit.get());
  info.message = message ? message : "";
  info.time = author->when.time;
  info.time_offset = author->when.offset;
  return info;
}

}  // namespace capstan::source
