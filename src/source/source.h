// source: Git repositories through libgit2. "Give me the files of repo R at revision V."
//
// A RepositoryCache keeps one bare mirror per URL on disk and brings it up to date on
// Fetch; Resolve turns a revision (branch, tag, commit, HEAD or a semver range over tags)
// into a commit; ReadCommit gives its metadata; ReadTree and MaterializeTree give its
// files without any working copy, so many revisions of one repository can be read at once.
//
// Errors name the repository URL, the revision and what was wrong:
//   `git file:///x/repo.git: revision v9.*: no tag matches`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/result.h"

namespace capstan::source {

// Credentials for one remote, handed to libgit2 when a server asks for them.
struct Credential {
  enum class Kind {
    kUserPassword,  // HTTPS basic auth or a token as password
    kSshKey,        // an SSH key pair from files
    kSshAgent,      // keys held by the running ssh-agent
  };
  Kind kind = Kind::kUserPassword;
  std::string username;
  std::string password;               // kUserPassword only
  std::filesystem::path private_key;  // kSshKey only
  std::filesystem::path public_key;   // kSshKey; may be empty
  std::string passphrase;             // kSshKey; may be empty
};

// Supplies credentials for https and ssh remotes. file:// and local paths never ask.
class CredentialProvider {
 public:
  virtual ~CredentialProvider() = default;
  // Returns the credential to use for `url`; `username` is the one written in the URL
  // ("git" in git@host:org/repo) or empty. NotFound when it has none, which ends the fetch
  // with an authentication error. Called from the fetching thread; must be thread-safe
  // when one provider serves several caches or threads.
  virtual Result<Credential> Lookup(std::string_view url, std::string_view username) = 0;
};

// A bare mirror of one remote inside a RepositoryCache: every branch as refs/heads/*, every
// tag as refs/tags/*, HEAD as the remote's default branch. A plain value; reading through
// it is safe from any thread, also while the cache fetches into it (Git writes new objects
// before it moves a ref, and moves refs atomically).
struct Repository {
  std::string url;             // as given to Fetch (local paths made absolute)
  std::filesystem::path path;  // the bare repository on disk
};

struct CacheOptions {
  // Asked for credentials by https and ssh remotes. Default none: such remotes work only
  // when they need no authentication. Not owned; must outlive the cache.
  CredentialProvider* credentials = nullptr;
};

// Bare mirrors under one directory, one per URL, in a folder named by a hash of the URL.
// Thread-safe: fetches of one URL are serialized (a per-repository mutex); different URLs
// fetch in parallel. Processes sharing the directory wait for each other too (an flock on
// "<mirror>.lock" around each fetch).
class RepositoryCache {
 public:
  // `cache_dir` is created on first Fetch if missing.
  explicit RepositoryCache(std::filesystem::path cache_dir, CacheOptions options = {});
  RepositoryCache(const RepositoryCache&) = delete;
  RepositoryCache& operator=(const RepositoryCache&) = delete;

  // Clones `url` (a file:// URL or local path; https and ssh through libgit2) on first use,
  // otherwise fetches into the existing mirror: new commits, moved and deleted branches and
  // tags all show. A first clone is built in a temporary folder and renamed into place, so
  // a failed one leaves nothing behind. Unavailable when the remote cannot be reached.
  Result<Repository> Fetch(std::string_view url);

  // Where the mirror of `url` lives (whether or not it was fetched yet).
  std::filesystem::path PathFor(std::string_view url) const;

 private:
  std::mutex& MutexFor(const std::string& url);

  // Constant after construction.
  const std::filesystem::path cache_dir_;
  const CacheOptions options_;

  std::mutex mu_;
  // Guarded by mu_: one mutex per URL, created on first use and never removed, so a
  // reference to one stays valid. Each guards the bare repository of its URL on disk.
  std::map<std::string, std::unique_ptr<std::mutex>> repository_mutexes_;
};

// A revision resolved to a commit.
struct Resolved {
  std::string sha;  // 40 hex digits of the commit
  std::string ref;  // what matched: "refs/heads/main", "refs/tags/v1.2.3", "HEAD" or the SHA
};

// Resolves `revision` in this order: "HEAD" (or empty); a branch; a tag (annotated tags
// peeled to their commit); a full or abbreviated (at least 4 digits) commit SHA; a semver
// constraint over tag names (see semver.h: `v1.2.*`, `>=1.0.0 <2.0.0`, `^1.2`), of which
// the highest matching tag wins. NotFound naming the URL and revision when nothing matches
// ("no tag matches" for a constraint); Invalid when an abbreviated SHA is ambiguous.
Result<Resolved> Resolve(const Repository& repo, std::string_view revision);

struct CommitInfo {
  std::string sha;
  std::string author_name;
  std::string author_email;
  std::string message;  // the full message, as written
  int64_t time = 0;     // author time, seconds since the Unix epoch (UTC)
  int time_offset = 0;  // the author's time zone, minutes east of UTC
};

// The metadata of commit `sha` (full 40 hex digits, as from Resolve).
Result<CommitInfo> ReadCommit(const Repository& repo, std::string_view sha);

struct TreeLimits {
  // Largest sum of file sizes read or written. Default 256 MiB; a tree over it is refused
  // (Invalid) rather than truncated, so a render never sees half a repository.
  uint64_t max_total_bytes = uint64_t{256} << 20;
  // Most files (and symbolic links). Default 100,000.
  size_t max_files = 100'000;
};

// The regular files (and symbolic links, as their target text) of commit `sha` under
// `subpath` ("" or "." for the whole tree), keyed by path relative to `subpath` with '/'
// separators. Refused (Invalid, naming the path): a symbolic link whose target is absolute
// or leads outside `subpath` (judged on its own text; MaterializeTree also follows links
// through other links), an entry named ".." or ".git", a `subpath` with "..", or a tree
// over `limits`. Submodules are skipped. NotFound when `subpath` is not a folder of the
// commit or `sha` not a commit of the repository.
Result<std::map<std::string, std::string>> ReadTree(const Repository& repo, std::string_view sha,
                                                    std::string_view subpath,
                                                    const TreeLimits& limits = {});

// Writes the same files into `dir`, which must exist and be empty, so that render can read
// them through RootedFs: regular files (executable bit kept), folders, and symbolic links
// that stay inside `dir`. Refuses what ReadTree refuses before writing anything; after
// writing, refuses a link that leads out only through another link ("d/l2 -> ../l1/.." with
// "l1 -> ."). Invalid when `dir` is not an existing empty folder. On error `dir` may hold
// part of the tree; the caller removes it.
Status MaterializeTree(const Repository& repo, std::string_view sha, std::string_view subpath,
                       const std::filesystem::path& dir, const TreeLimits& limits = {});

}  // namespace capstan::source

// ---------------------------------------------------------------- writing commits ---

namespace capstan::source {

// Who a written commit is by. Default "capstan <capstan@localhost>".
struct Identity {
  std::string name = "capstan";
  std::string email = "capstan@localhost";
};

struct WriteOptions {
  Identity author;     // the new commit's author
  Identity committer;  // and its committer; the time of both is now
  // Asked for credentials by the push to https and ssh remotes; usually the same provider
  // as the cache's. Default none. Not owned; must outlive the call.
  CredentialProvider* credentials = nullptr;
};

// Go back to an earlier state of a branch in one new commit.
struct RevertRequest {
  std::string url;  // the remote, as given to RepositoryCache::Fetch
  // "main" or "refs/heads/main"; "HEAD" or "": the remote's default branch (what an
  // Application's targetRevision "HEAD" follows).
  std::string branch;
  std::string good_revision;  // anything Resolve takes: the revision whose tree comes back
  // Optional folder or file ('/'-separated, relative to the repository's root; "" or "."
  // for all of it): only what is there goes back, everything else stays as at the head —
  // an Application's path in a repository shared by several. Default: the whole tree.
  std::string path;
  // Optional full SHA: when set, the branch must be at this commit after the fetch, or the
  // call fails with Conflict (the caller decided on a state that is gone).
  std::string expected_head;
};

// Fetches `request.url` into `cache`, then writes on top of the branch's head one commit
// whose tree is the tree of `good_revision` — the tree `git revert --no-commit good..HEAD
// && git commit` gives when the reverts apply cleanly, with no working copy — and pushes
// it to the branch on the remote (a fast-forward, never forced). With `request.path`, the
// new tree is the head's with only that path as in `good_revision`. The message is
//   Revert [<path> ]to <good sha>: <good subject>
//
//   <"<sha> <subject>" per reverted commit (that changed the path), newest first, at most
//    20, then "... and N more">
// Returns the SHA of the new commit, which the remote's branch then points at; the
// mirror's branch is moved to it too when no fetch is under way.
//
// When the branch's tree already equals the good tree (good is the head, or someone
// reverted already) nothing is written or pushed and the head's SHA is returned.
//
// Errors name the URL, branch and revision: NotFound when the branch or revision does not
// exist, or the path is in neither the good revision nor the head; Invalid when the good
// revision is not an ancestor of the branch's head or the path has ".."; Conflict
// when the branch moved on the remote between the fetch and the push (the push is not a
// fast-forward) or is not at `expected_head` — fetching again and retrying is safe;
// Unavailable when the remote cannot be reached, refuses the credentials or refuses the
// push for another reason (a hook, a protected branch). Credentials never appear in
// messages. Thread-safe like RepositoryCache::Fetch; two concurrent reverts of one branch
// give one success and one Conflict.
Result<std::string> RevertToRevision(RepositoryCache& cache, const RevertRequest& request,
                                     const WriteOptions& options = {});

// Makes every https remote of this process trust exactly the certificates in `ca_file`
// (PEM; a private CA or a self-signed server certificate), instead of the system's CA
// bundle. Process-wide because libgit2's TLS store is (Debian's libgit2 uses mbedTLS, which
// keeps one store): to trust a private CA besides the public ones, give a file holding
// both. Invalid when the file cannot be read as certificates. Call before fetching; not
// safe while another thread connects to an https remote.
Status TrustCertificates(const std::filesystem::path& ca_file);

}  // namespace capstan::source
