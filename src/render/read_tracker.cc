#include "render/internal/read_tracker.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <system_error>

#include "core/fs.h"
#include "core/hash.h"

namespace capstan::render {
namespace fs = std::filesystem;
namespace {

// Larger files are fingerprinted by a streaming hash of their first bytes plus size and
// change time; manifests and charts are far below this.
constexpr size_t kMaxHashedFile = 64u << 20;
// Folders below a tree are followed this deep.
constexpr int kMaxTreeDepth = 32;

char TypeLetter(const fs::directory_entry& entry) {
  std::error_code ec;
  if (entry.is_symlink(ec)) return 'l';
  if (entry.is_directory(ec)) return 'd';
  if (entry.is_regular_file(ec)) return 'f';
  return 'o';
}

std::vector<fs::directory_entry> SortedEntries(const fs::path& folder, std::error_code& ec) {
  std::vector<fs::directory_entry> entries;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    entries.push_back(*it);
  }
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.path().filename() < b.path().filename(); });
  return entries;
}

std::string FileFingerprint(const fs::path& path) {
  auto contents = ReadFileBounded(path, kMaxHashedFile);
  if (!contents.ok()) {
    std::error_code ec;
    if (!fs::exists(path, ec)) return "absent";
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return "unreadable";
    return fmt::format("large:{}:{}.{}", st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
  }
  return Sha256Hex(*contents);
}

std::string ListingFingerprint(const fs::path& folder) {
  std::error_code ec;
  auto entries = SortedEntries(folder, ec);
  if (ec) return "absent";
  std::string text;
  for (const auto& entry : entries) {
    text += TypeLetter(entry);
    text += entry.path().filename().string();
    text += '\n';
  }
  return Sha256Hex(text);
}

// Links are followed (helm follows them), so a change behind one is seen; `depth` stops
// a link cycle.
void AppendTree(const fs::path& folder, const std::string& prefix, int depth, std::string& text) {
  if (depth > kMaxTreeDepth) {
    text += "too deep\n";
    return;
  }
  std::error_code ec;
  for (const auto& entry : SortedEntries(folder, ec)) {
    std::string name = entry.path().filename().string();
    if (name == ".git") continue;
    char type = TypeLetter(entry);
    text += fmt::format("{} {}{}", type, prefix, name);
    if (type == 'l') text += " -> " + fs::read_symlink(entry.path(), ec).string();
    if (fs::is_directory(entry.path(), ec)) {
      text += '\n';
      AppendTree(entry.path(), prefix + name + "/", depth + 1, text);
      continue;
    }
    if (fs::is_regular_file(entry.path(), ec)) text += " " + FileFingerprint(entry.path());
    text += '\n';
  }
}

std::string TreeFingerprint(const fs::path& folder) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return "absent";
  std::string text;
  AppendTree(folder, "", 0, text);
  return Sha256Hex(text);
}

// PATH lookup the way posix_spawnp does it, so the cache sees the helm that would run.
fs::path FindProgram(const std::string& program) {
  if (program.find('/') != std::string::npos) return program;
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    size_t colon = dirs.find(':');
    fs::path candidate = fs::path(dirs.substr(0, colon)) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (colon == std::string_view::npos) return {};
    dirs.remove_prefix(colon + 1);
  }
}

std::string ProgramFingerprint(const std::string& program) {
  fs::path found = FindProgram(program);
  struct stat st {};
  if (found.empty() || ::stat(found.c_str(), &st) != 0) return "absent";
  return fmt::format("{}:{}:{}.{}", found.string(), st.st_size, st.st_mtim.tv_sec,
                     st.st_mtim.tv_nsec);
}

}  // namespace

std::string CurrentFingerprint(DependencyKind kind, const std::string& target) {
  switch (kind) {
    case DependencyKind::kFile:
      return FileFingerprint(target);
    case DependencyKind::kListing:
      return ListingFingerprint(target);
    case DependencyKind::kTree:
      return TreeFingerprint(target);
    case DependencyKind::kProgram:
      return ProgramFingerprint(target);
  }
  return "unknown";
}

void ReadTracker::Add(DependencyKind kind, std::string target, std::string fingerprint) {
  seen_.emplace(std::make_pair(kind, std::move(target)), std::move(fingerprint));
}

void ReadTracker::AddFile(const fs::path& path, std::string_view contents) {
  Add(DependencyKind::kFile, path.string(), Sha256Hex(contents));
}

void ReadTracker::AddListing(const fs::path& folder) {
  Add(DependencyKind::kListing, folder.string(), ListingFingerprint(folder));
}

void ReadTracker::AddTree(const fs::path& folder) {
  Add(DependencyKind::kTree, folder.string(), TreeFingerprint(folder));
}

void ReadTracker::AddProgram(const std::string& program) {
  Add(DependencyKind::kProgram, program, ProgramFingerprint(program));
}

std::vector<Dependency> ReadTracker::Dependencies() const {
  std::vector<Dependency> out;
  for (const auto& [key, fingerprint] : seen_) out.push_back({key.first, key.second, fingerprint});
  return out;
}

Result<std::string> ReadFileTracked(const fs::path& path, size_t max_bytes, ReadTracker* tracker) {
  auto contents = ReadFileBounded(path, max_bytes);
  if (contents.ok() && tracker != nullptr) tracker->AddFile(path, *contents);
  return contents;
}

}  // namespace capstan::render
