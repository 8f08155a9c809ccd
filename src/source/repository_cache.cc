// Bare mirrors per URL: clone into a temporary folder and rename, or fetch in place.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "core/hash.h"
#include "source/internal/credentials.h"
#include "source/internal/git.h"
#include "source/source.h"

namespace capstan::source {
namespace {

using internal::GitPtr;
using internal::LastGitError;

// Mirror every branch and tag under the same name; '+' lets a force-push or a moved tag
// through, since the remote is the truth.
constexpr const char* kHeadsRefspec = "+refs/heads/*:refs/heads/*";
constexpr const char* kTagsRefspec = "+refs/tags/*:refs/tags/*";
// Hex digits of the URL's SHA-256 used as the folder name: 128 bits, no collisions in
// practice, short enough for messages.
constexpr size_t kFolderNameLength = 32;

bool IsLocalPath(std::string_view url) {
  if (url.find("://") != std::string_view::npos) return false;
  // scp-like ssh ("git@host:org/repo") has a ':' before any '/'.
  size_t colon = url.find(':');
  return colon == std::string_view::npos || url.find('/') < colon;
}

// Local paths are made absolute so that the same repository has one mirror whatever the
// current directory was.
std::string Normalize(std::string_view url) {
  if (!IsLocalPath(url)) return std::string(url);
  return std::filesystem::absolute(std::filesystem::path(url)).lexically_normal().string();
}

// Fetches both refspecs from origin (pruning what the remote deleted), then points HEAD
// at the remote's default branch.
Status FetchInto(git_repository* repo, const Repository& target, CredentialProvider* provider) {
  git_remote* raw_remote = nullptr;
  if (git_remote_lookup(&raw_remote, repo, "origin") != 0) {
    return Error::Internal(fmt::format("{}: mirror at {} has no origin: {}",
                                       internal::Describe(target), target.path.string(),
                                       LastGitError()));
  }
  GitPtr<git_remote> remote(raw_remote);
  if (std::string_view(git_remote_url(remote.get())) != target.url) {
    return Error::Conflict(fmt::format("{}: mirror at {} belongs to {}", internal::Describe(target),
                                       target.path.string(), git_remote_url(remote.get())));
  }
  internal::CredentialContext credentials{provider};
  git_fetch_options options;
  git_fetch_options_init(&options, GIT_FETCH_OPTIONS_VERSION);
  options.prune = GIT_FETCH_PRUNE;
  options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;  // kTagsRefspec fetches them all
  options.callbacks.credentials = internal::AcquireCredential;
  options.callbacks.payload = &credentials;
  if (git_remote_fetch(remote.get(), nullptr, &options, "capstan fetch") != 0) {
    return Error::Unavailable(
        fmt::format("{}: fetch failed: {}", internal::Describe(target), LastGitError()));
  }
  git_buf branch = GIT_BUF_INIT;
  // An empty remote has no default branch; HEAD then stays unborn.
  if (git_remote_default_branch(&branch, remote.get()) == 0) {
    int rc = git_repository_set_head(repo, branch.ptr);
    git_buf_dispose(&branch);
    if (rc != 0) {
      return Error::Internal(
          fmt::format("{}: cannot set HEAD: {}", internal::Describe(target), LastGitError()));
    }
  }
  return OkStatus();
}

Status CloneInto(const std::filesystem::path& temp, const Repository& target,
                 CredentialProvider* provider) {
  git_repository* raw = nullptr;
  if (git_repository_init(&raw, temp.c_str(), /*is_bare=*/1) != 0) {
    return Error::Unavailable(fmt::format("{}: cannot create {}: {}", internal::Describe(target),
                                          temp.string(), LastGitError()));
  }
  GitPtr<git_repository> repo(raw);
  git_remote* raw_remote = nullptr;
  if (git_remote_create_with_fetchspec(&raw_remote, repo.get(), "origin", target.url.c_str(),
                                       kHeadsRefspec) != 0 ||
      git_remote_add_fetch(repo.get(), "origin", kTagsRefspec) != 0) {
    git_remote_free(raw_remote);
    return Error::Invalid(
        fmt::format("{}: not a usable remote URL: {}", internal::Describe(target), LastGitError()));
  }
  git_remote_free(raw_remote);
  return FetchInto(repo.get(), target, provider);
}

}  // namespace

RepositoryCache::RepositoryCache(std::filesystem::path cache_dir, CacheOptions options)
    : cache_dir_(std::move(cache_dir)), options_(options) {}

std::filesystem::path RepositoryCache::PathFor(std::string_view url) const {
  return cache_dir_ / Sha256Hex(Normalize(url)).substr(0, kFolderNameLength);
}

std::mutex& RepositoryCache::MutexFor(const std::string& url) {
  std::lock_guard<std::mutex> lock(mu_);
  std::unique_ptr<std::mutex>& slot = repository_mutexes_[url];
  if (!slot) slot = std::make_unique<std::mutex>();
  return *slot;
}

namespace {

// An exclusive flock(2) on a file beside a mirror, so that two processes sharing one cache
// folder (a server and a CLI, two servers by mistake) never fetch into one mirror at once.
// Released by the destructor, and by the kernel if the process dies.
class MirrorLock {
 public:
  explicit MirrorLock(const std::filesystem::path& path)
      : fd_(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
    if (fd_ >= 0) {
      while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
      }
    }
  }
  ~MirrorLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  MirrorLock(const MirrorLock&) = delete;
  MirrorLock& operator=(const MirrorLock&) = delete;
  bool ok() const { return fd_ >= 0; }

 private:
  int fd_;
};

}  // namespace

Result<Repository> RepositoryCache::Fetch(std::string_view url) {
  internal::InitGit();
  Repository target{Normalize(url), PathFor(url)};
  std::lock_guard<std::mutex> lock(MutexFor(target.url));

  std::error_code ec;
  std::filesystem::create_directories(cache_dir_, ec);
  std::filesystem::path lock_path = target.path;
  lock_path += ".lock";
  MirrorLock process_lock(lock_path);
  if (!process_lock.ok()) {
    return Error::Unavailable(fmt::format("{}: cannot lock {}: {}", internal::Describe(target),
                                          lock_path.string(), std::strerror(errno)));
  }

  if (std::filesystem::exists(target.path, ec)) {
    Result<GitPtr<git_repository>> repo = internal::Open(target);
    if (!repo.ok()) return std::move(repo).error();
    CAPSTAN_TRY(FetchInto(repo->get(), target, options_.credentials));
    return target;
  }
  std::filesystem::create_directories(cache_dir_, ec);
  if (ec) {
    return Error::Unavailable(fmt::format("{}: cannot create cache folder {}: {}",
                                          internal::Describe(target), cache_dir_.string(),
                                          ec.message()));
  }
  // Unique per process and call, so an abandoned temporary never blocks a new clone.
  static std::atomic<uint64_t> counter{0};
  std::filesystem::path temp = target.path;
  temp += fmt::format(".tmp-{}-{}", getpid(), counter++);
  std::filesystem::remove_all(temp, ec);
  Status cloned = CloneInto(temp, target, options_.credentials);
  if (cloned.ok()) std::filesystem::rename(temp, target.path, ec);
  if (!cloned.ok() || ec) {
    std::error_code ignored;
    std::filesystem::remove_all(temp, ignored);
    if (!cloned.ok()) return std::move(cloned).error();
    return Error::Unavailable(fmt::format("{}: cannot move the clone to {}: {}",
                                          internal::Describe(target), target.path.string(),
                                          ec.message()));
  }
  return target;
}

}  // namespace capstan::source
