// RenderCache: renders a request once per state of its inputs.
//
// A cached result is found by the request's options (root, path, kind and every
// generator option) and is reused only while everything the render depended on is
// unchanged: each file it read is re-hashed, each folder it listed is listed again,
// each chart folder (Helm) is re-hashed whole, and the helm binary's path, size and
// change time are compared. An unchanged tree is therefore never rendered twice, and a
// change to any input renders again. Kustomize builds depend on every file under the
// root (".git" excluded), because the native builder does not report what it reads:
// checking such an entry reads the whole repository, which is still far cheaper than
// a build but grows with the repository.
//
// Only successful renders are kept; an error is returned and rendered again next time
// (it may be transient, like a helm time-out).
//
// Thread-safe. Concurrent requests with the same options wait for one another, so the
// second one finds the first one's result; requests with different options run in
// parallel.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "core/result.h"
#include "render/render.h"

namespace capstan::render {

class RenderCache {
 public:
  // Default number of results kept: 128. A result holds its objects in memory (about
  // 1 KiB per object); the least recently used result is dropped beyond the limit.
  static constexpr size_t kDefaultMaxEntries = 128;

  // REQUIRES: max_entries > 0.
  explicit RenderCache(size_t max_entries = kDefaultMaxEntries);
  RenderCache(const RenderCache&) = delete;
  RenderCache& operator=(const RenderCache&) = delete;

  // Returns what Render(request) returns, from the cache when no input changed.
  Result<RenderResult> Render(const RenderRequest& request);

  struct Stats {
    uint64_t hits = 0;       // lookups answered from the cache
    uint64_t misses = 0;     // renders run (successful or not)
    uint64_t evictions = 0;  // results dropped for the size limit
    size_t entries = 0;      // results held now
  };
  Stats stats() const;

  // Drops every result (the counters are kept).
  void Clear();

 private:
  struct Entry;
  using EntryPtr = std::shared_ptr<const Entry>;

  void Finish(const std::string& key);
  void Insert(EntryPtr entry);

  // Constant after construction.
  const size_t max_entries_;

  mutable std::mutex mu_;
  std::condition_variable done_;  // signalled when a key leaves in_flight_
  // Guarded by mu_.
  std::list<EntryPtr> entries_;      // most recently used first
  std::set<std::string> in_flight_;  // option keys being looked up or rendered
  Stats stats_;
};

// The options part of a cache key: a hash over every field of `request` (the root as an
// absolute path), equal for equal requests.
std::string RenderRequestKey(const RenderRequest& request);

}  // namespace capstan::render
