// Revisions: the controller's view of Git. It answers "which commit is revision V of repo R
// now, and where are its files", fetching each repository at most once per poll interval
// (plus jitter, so that many Applications on one repository do not fetch in step) unless
// a webhook or a user asked for a refresh.
//
// Checkouts are immutable folders, one per (repository, commit), written once under
// `checkouts_dir` by MaterializeTree into a temporary folder and renamed into place, so a
// render never sees a half-written tree and never needs a lock to read one.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <string>

#include "core/result.h"
#include "source/source.h"

namespace capstan::controller {

struct RevisionsOptions {
  // How often a repository is fetched when nothing asks for it sooner. Default 3 minutes,
  // Argo CD's timeout.reconciliation. Shorter finds commits sooner and costs one fetch per
  // repository per interval; webhooks make the wait irrelevant.
  std::chrono::milliseconds poll_interval{std::chrono::minutes(3)};
  // Each fetch's next due time is moved by up to this fraction of the interval, at random.
  // Default 0.1.
  double jitter = 0.1;
  // Credentials for writing commits (rollback --git-revert); normally the provider the
  // cache fetches with. Not owned; may be null (then only remotes without authentication).
  source::CredentialProvider* credentials = nullptr;
};

struct Revision {
  source::Repository repository;
  source::Resolved resolved;       // sha and the ref that matched
  source::CommitInfo commit;       // author, message, time
  std::filesystem::path checkout;  // the whole tree of the commit, read-only by convention
};

class Revisions {
 public:
  // `cache` is not owned and must outlive this object.
  Revisions(source::RepositoryCache& cache, std::filesystem::path checkouts_dir,
            RevisionsOptions options = {});

  // Resolves `revision` of `url`, fetching first when the repository's poll is due or
  // `refresh` is set, and makes sure the commit's checkout exists. A failed fetch of a
  // repository fetched before falls back to the mirror's last state and says so in the log
  // (Git being down must not make every Application Unknown); a first fetch that fails is
  // an error. Thread-safe; concurrent calls for one URL fetch once.
  Result<Revision> Resolve(const std::string& url, const std::string& revision, bool refresh);

  // Makes the next Resolve of `url` fetch (a webhook said the repository changed).
  void MarkStale(const std::string& url);

  std::chrono::milliseconds poll_interval() const { return options_.poll_interval; }

  // The mirrors, for writing commits (rollback --git-revert).
  source::RepositoryCache& cache() { return cache_; }
  source::CredentialProvider* credentials() const { return options_.credentials; }

 private:
  Result<source::Repository> FetchIfDue(const std::string& url, bool refresh);
  Result<std::filesystem::path> Checkout(const source::Repository& repo, const std::string& sha);

  source::RepositoryCache& cache_;
  const std::filesystem::path checkouts_dir_;
  const RevisionsOptions options_;

  std::mutex mu_;
  // Guarded by mu_: when each URL is due for its next fetch; absent = never fetched.
  std::map<std::string, std::chrono::steady_clock::time_point> next_fetch_;
  std::mt19937_64 random_;  // guarded by mu_
  // Serializes the creation of checkouts (reads need no lock: they are renamed in whole).
  std::mutex checkout_mu_;
};

}  // namespace capstan::controller
