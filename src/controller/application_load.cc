// LoadApplications: every Application in a folder of manifests.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <system_error>

#include "controller/application.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/yaml.h"

namespace capstan::controller {
namespace {

namespace fs = std::filesystem;

// Largest manifest file read: Application files are small; this bounds a stray blob.
constexpr size_t kMaxApplicationFileBytes = 8u << 20;
// Deepest folder nesting walked, against link loops and pathological trees.
constexpr int kMaxDepth = 32;

bool IsManifestFile(const fs::path& path) {
  std::string ext = path.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

// Files under `dir`, byte-wise sorted by relative path, ".git" skipped, linked folders not
// entered (directory_iterator does not follow them by default).
bool IsInside(const fs::path& path, const fs::path& root) {
  auto [root_end, unused] = std::mismatch(root.begin(), root.end(), path.begin(), path.end());
  return root_end == root.end();
}

Result<std::vector<fs::path>> ListFiles(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  fs::path root = fs::weakly_canonical(dir, ec);
  fs::recursive_directory_iterator it(dir, ec), end;
  if (ec) return Error::NotFound(fmt::format("{}: {}", dir.string(), ec.message()));
  for (; it != end; it.increment(ec)) {
    if (ec) return Error::Invalid(fmt::format("{}: {}", dir.string(), ec.message()));
    const fs::directory_entry& entry = *it;
    if (entry.is_directory(ec)) {
      if (entry.path().filename() == ".git" || it.depth() >= kMaxDepth) {
        it.disable_recursion_pending();
      }
      continue;
    }
    // A linked file is read only when it stays inside `dir`.
    if (entry.is_symlink(ec)) {
      fs::path target = fs::weakly_canonical(entry.path(), ec);
      if (ec || !IsInside(target, root)) continue;
    }
    if (entry.is_regular_file(ec) && IsManifestFile(entry.path())) {
      files.push_back(entry.path().lexically_relative(dir));
    }
  }
  std::sort(files.begin(), files.end(),
            [](const fs::path& a, const fs::path& b) { return a.string() < b.string(); });
  return files;
}

Result<std::vector<Value>> ReadDocuments(const fs::path& file, const std::string& display) {
  auto text = ReadFileBounded(file, kMaxApplicationFileBytes);
  if (!text.ok()) return std::move(text).error().Wrap(display);
  std::vector<Value> out;
  if (file.extension() == ".json") {
    auto value = ParseJson(*text, display);
    if (!value.ok()) return std::move(value).error();
    out.push_back(std::move(value).value());
  } else {
    auto docs = ParseYamlStream(*text, display);
    if (!docs.ok()) return std::move(docs).error();
    for (auto& doc : *docs) out.push_back(std::move(doc.value));
  }
  // A list (JSON array or `kind: List`) holds its objects in items.
  std::vector<Value> flat;
  for (Value& doc : out) {
    if (doc.is_array()) {
      for (Value& item : doc.as_array()) flat.push_back(std::move(item));
    } else if (const Value* items = doc.Find("items");
               items != nullptr && items->is_array() && doc.StringAt({"kind"}).ends_with("List")) {
      for (const Value& item : items->as_array()) flat.push_back(item);
    } else {
      flat.push_back(std::move(doc));
    }
  }
  return flat;
}

}  // namespace

Result<std::vector<Application>> LoadApplications(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Error::NotFound(fmt::format("{}: no such folder", dir.string()));
  }
  auto files = ListFiles(dir);
  if (!files.ok()) return std::move(files).error();
  std::vector<Application> apps;
  std::map<std::string, std::string> file_of;  // Application name -> file
  for (const fs::path& relative : *files) {
    std::string display = (dir / relative).lexically_normal().string();
    auto documents = ReadDocuments(dir / relative, display);
    if (!documents.ok()) return std::move(documents).error();
    for (const Value& doc : *documents) {
      if (!doc.is_object() || doc.StringAt({"kind"}) != kApplicationKind ||
          doc.StringAt({"apiVersion"}) != kApplicationApiVersion) {
        continue;
      }
      auto app = ParseApplication(doc, display);
      if (!app.ok()) return std::move(app).error();
      auto [it, inserted] = file_of.emplace(app->name, display);
      if (!inserted) {
        return Error::Conflict(fmt::format("Application {} is defined twice: in {} and in {}",
                                           app->name, it->second, display));
      }
      apps.push_back(std::move(app).value());
    }
  }
  return apps;
}

}  // namespace capstan::controller
