#include "source/internal/git.h"

#include <fmt/format.h>

#include <mutex>

namespace capstan::source::internal {

void InitGit() {
  static std::once_flag once;
  std::call_once(once, [] { git_libgit2_init(); });
}

std::string LastGitError() {
  const git_error* error = git_error_last();
  if (error == nullptr || error->message == nullptr) return "unknown libgit2 error";
  return error->message;
}

std::string Describe(const Repository& repo, std::string_view revision) {
  if (revision.empty()) return fmt::format("git {}", repo.url);
  return fmt::format("git {}: revision {}", repo.url, revision);
}

Result<GitPtr<git_repository>> Open(const Repository& repo) {
  InitGit();
  git_repository* raw = nullptr;
  // NO_SEARCH: never walk up to a parent repository if the mirror is missing.
  if (git_repository_open_ext(&raw, repo.path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) !=
      0) {
    return Error::NotFound(fmt::format("{}: no fetched copy at {} ({})", Describe(repo),
                                       repo.path.string(), LastGitError()));
  }
  return GitPtr<git_repository>(raw);
}

std::string OidHex(const git_oid& oid) {
  char hex[GIT_OID_HEXSZ + 1];
  git_oid_tostr(hex, sizeof hex, &oid);
  return hex;
}

}  // namespace capstan::source::internal
