// What a render read, so that the render cache can tell whether its inputs changed.
//
// Generators report every file they read, every folder they listed and every folder
// they depended on as a whole (a Helm chart, which helm reads itself); the cache stores
// those with their fingerprints and, on a later lookup, recomputes the fingerprints:
// all equal means the render would produce the same objects.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace capstan::render {

enum class DependencyKind {
  kFile,     // the bytes of one file (or its absence)
  kListing,  // the names and types of one folder's entries, not their contents
  kTree,     // every file, folder and link below a folder (".git" excluded)
  kProgram,  // an external program (helm): its resolved path, size and change time
};

struct Dependency {
  DependencyKind kind;
  std::string target;  // absolute path, or for kProgram the name or path as given
  std::string fingerprint;
};

// The fingerprint `Dependency::fingerprint` would have now. Never fails: a missing or
// unreadable input gets a fingerprint saying so, which differs from any content hash.
std::string CurrentFingerprint(DependencyKind kind, const std::string& target);

// Collects the dependencies of one render. Not thread-safe: one tracker per render.
class ReadTracker {
 public:
  void AddFile(const std::filesystem::path& path, std::string_view contents);
  void AddListing(const std::filesystem::path& folder);
  void AddTree(const std::filesystem::path& folder);
  void AddProgram(const std::string& program);

  // The dependencies recorded, each target once, sorted.
  std::vector<Dependency> Dependencies() const;

 private:
  void Add(DependencyKind kind, std::string target, std::string fingerprint);
  std::map<std::pair<DependencyKind, std::string>, std::string> seen_;
};

// Reads a file (bounded) and records it in `tracker` when that is not null.
Result<std::string> ReadFileTracked(const std::filesystem::path& path, size_t max_bytes,
                                    ReadTracker* tracker);

}  // namespace capstan::render
