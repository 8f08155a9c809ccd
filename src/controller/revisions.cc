#include "controller/revisions.h"

#include <fmt/format.h>

#include <system_error>

#include "core/hash.h"
#include "core/log.h"

namespace capstan::controller {

namespace fs = std::filesystem;

Revisions::Revisions(source::RepositoryCache& cache, fs::path checkouts_dir,
                     RevisionsOptions options)
    : cache_(cache),
      checkouts_dir_(std::move(checkouts_dir)),
      options_(options),
      random_(std::random_device{}()) {}

void Revisions::MarkStale(const std::string& url) {
  std::lock_guard lock(mu_);
  auto it = next_fetch_.find(url);
  if (it != next_fetch_.end()) it->second = std::chrono::steady_clock::time_point::min();
}

Result<source::Repository> Revisions::FetchIfDue(const std::string& url, bool refresh) {
  auto now = std::chrono::steady_clock::now();
  bool fetched_before = false;
  {
    std::lock_guard lock(mu_);
    auto it = next_fetch_.find(url);
    fetched_before = it != next_fetch_.end();
    if (fetched_before && !refresh && now < it->second) {
      return source::Repository{url, cache_.PathFor(url)};
    }
  }
  auto fetched = cache_.Fetch(url);
  std::lock_guard lock(mu_);
  std::uniform_real_distribution<double> spread(-options_.jitter, options_.jitter);
  auto interval = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      options_.poll_interval * (1.0 + spread(random_)));
  if (!fetched.ok()) {
    if (!fetched_before) return fetched.error();
    Log(LogLevel::kWarning, "{} (using the last fetched state)", fetched.error().message());
    next_fetch_[url] = now + interval;
    return source::Repository{url, cache_.PathFor(url)};
  }
  next_fetch_[url] = now + interval;
  return fetched;
}

Result<fs::path> Revisions::Checkout(const source::Repository& repo, const std::string& sha) {
  fs::path dir = checkouts_dir_ / fmt::format("{}-{}", Sha256Hex(repo.url).substr(0, 12), sha);
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return dir;
  std::lock_guard lock(checkout_mu_);
  if (fs::is_directory(dir, ec)) return dir;
  fs::create_directories(checkouts_dir_, ec);
  fs::path temp = dir;
  temp += ".tmp";
  fs::remove_all(temp, ec);
  fs::create_directories(temp, ec);
  if (ec) {
    return Error::Unavailable(fmt::format("create {}: {}", temp.string(), ec.message()));
  }
  if (auto status = source::MaterializeTree(repo, sha, "", temp); !status.ok()) {
    fs::remove_all(temp, ec);
    return status.error();
  }
  fs::rename(temp, dir, ec);
  if (ec) return Error::Unavailable(fmt::format("rename {}: {}", temp.string(), ec.message()));
  return dir;
}

Result<Revision> Revisions::Resolve(const std::string& url, const std::string& revision,
                                    bool refresh) {
  auto repo = FetchIfDue(url, refresh);
  if (!repo.ok()) return repo.error();
  auto resolved = source::Resolve(*repo, revision);
  if (!resolved.ok()) return resolved.error();
  auto commit = source::ReadCommit(*repo, resolved->sha);
  if (!commit.ok()) return commit.error();
  auto checkout = Checkout(*repo, resolved->sha);
  if (!checkout.ok()) return checkout.error();
  return Revision{*repo, *resolved, *commit, *checkout};
}

}  // namespace capstan::controller
