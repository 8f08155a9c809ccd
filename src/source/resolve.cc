// Revision → commit, trying the interpretations from most to least specific.
#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "source/internal/git.h"
#include "source/semver.h"
#include "source/source.h"

namespace capstan::source {
namespace {

using internal::GitPtr;

// Git accepts abbreviations from 4 hex digits up.
constexpr size_t kMinShortSha = 4;

// The commit `refname` points at, peeling annotated tags; nullopt when there is no such
// ref (or it points at something that is not a commit, such as a tagged tree).
std::optional<std::string> PeelRef(git_repository* repo, const std::string& refname) {
  git_reference* raw_ref = nullptr;
  if (git_reference_lookup(&raw_ref, repo, refname.c_str()) != 0) return std::nullopt;
  GitPtr<git_reference> ref(raw_ref);
  git_object* raw_commit = nullptr;
  if (git_reference_peel(&raw_commit, ref.get(), GIT_OBJECT_COMMIT) != 0) return std::nullopt;
  GitPtr<git_object> commit(raw_commit);
  return internal::OidHex(*git_object_id(commit.get()));
}

bool IsHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

// A commit whose SHA starts with `prefix`; nullopt when none, Invalid when ambiguous.
Result<std::optional<std::string>> LookupSha(git_repository* repo, const Repository& target,
                                             std::string_view prefix) {
  if (prefix.size() < kMinShortSha || prefix.size() > GIT_OID_HEXSZ || !IsHex(prefix)) {
    return std::optional<std::string>();
  }
  git_oid oid;
  if (git_oid_fromstrn(&oid, prefix.data(), prefix.size()) != 0) {
    return std::optional<std::string>();
  }
  git_object* raw = nullptr;
  int rc = git_object_lookup_prefix(&raw, repo, &oid, prefix.size(), GIT_OBJECT_COMMIT);
  if (rc == GIT_EAMBIGUOUS) {
    return Error::Invalid(fmt::format("{}: abbreviated commit SHA is ambiguous; give more digits",
                                      internal::Describe(target, prefix)));
  }
  if (rc != 0) return std::optional<std::string>();
  GitPtr<git_object> commit(raw);
  return std::optional<std::string>(internal::OidHex(*git_object_id(commit.get())));
}

Result<std::vector<std::string>> TagNames(git_repository* repo, const Repository& target) {
  git_strarray names{};
  if (git_tag_list(&names, repo) != 0) {
    return Error::Internal(fmt::format("{}: cannot list tags: {}", internal::Describe(target),
                                       internal::LastGitError()));
  }
  std::vector<std::string> tags(names.strings, names.strings + names.count);
  git_strarray_dispose(&names);
  return tags;
}

}  // namespace

Result<Resolved> Resolve(const Repository& repo, std::string_view revision) {
  Result<GitPtr<git_repository>> opened = internal::Open(repo);
  if (!opened.ok()) return std::move(opened).error();
  git_repository* git = opened->get();
  const std::string rev(revision);

  if (rev.empty() || rev == "HEAD") {
    if (std::optional<std::string> sha = PeelRef(git, "HEAD")) return Resolved{*sha, "HEAD"};
    return Error::NotFound(fmt::format("{}: HEAD names no commit (empty repository?)",
                                       internal::Describe(repo, "HEAD")));
  }
  for (const char* prefix : {"refs/heads/", "refs/tags/"}) {
    std::string refname = prefix + rev;
    if (std::optional<std::string> sha = PeelRef(git, refname)) return Resolved{*sha, refname};
  }
  Result<std::optional<std::string>> by_sha = LookupSha(git, repo, rev);
  if (!by_sha.ok()) return std::move(by_sha).error();
  if (by_sha->has_value()) return Resolved{**by_sha, **by_sha};

  Result<Constraint> constraint = Constraint::Parse(rev);
  if (!constraint.ok()) {
    return Error::NotFound(fmt::format("{}: not a branch, tag, commit or version constraint",
                                       internal::Describe(repo, rev)));
  }
  Result<std::vector<std::string>> tags = TagNames(git, repo);
  if (!tags.ok()) return std::move(tags).error();
  std::optional<size_t> best = constraint->Highest(*tags);
  if (!best)
    return Error::NotFound(fmt::format("{}: no tag matches", internal::Describe(repo, rev)));
  std::string refname = "refs/tags/" + (*tags)[*best];
  std::optional<std::string> sha = PeelRef(git, refname);
  if (!sha) {
    return Error::NotFound(fmt::format("{}: tag {} does not point at a commit",
                                       internal::Describe(repo, rev), (*tags)[*best]));
  }
  return Resolved{*sha, refname};
}

}  // namespace capstan::source
