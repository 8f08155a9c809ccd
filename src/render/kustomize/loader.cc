#include "render/kustomize/loader.h"

#include <fmt/format.h>

#include <system_error>

namespace capstan::render::kustomize {
namespace stdfs = std::filesystem;

bool IsRemoteEntry(std::string_view entry) {
  if (entry.find("://") != std::string_view::npos) return true;
  for (std::string_view prefix : {"git@", "github.com/", "gitlab.com/", "bitbucket.org/"}) {
    if (entry.starts_with(prefix)) return true;
  }
  return entry.find("?ref=") != std::string_view::npos ||
         entry.find("?version=") != std::string_view::npos;
}

Result<stdfs::path> FileLoader::Resolve(std::string_view entry, std::string_view field,
                                        bool* is_directory) const {
  auto resolved = fs_.Resolve(stdfs::path(fs_.Display(dir_)), entry);
  if (!resolved.ok()) {
    return std::move(resolved).error().Wrap(fmt::format("{}: {} entry", file_, field));
  }
  std::error_code ec;
  auto status = stdfs::status(*resolved, ec);
  if (ec || !stdfs::exists(status)) {
    return Error::NotFound(
        fmt::format("{}: {} entry \"{}\": no such file or folder", file_, field, entry));
  }
  *is_directory = stdfs::is_directory(status);
  return resolved;
}

Result<std::string> FileLoader::Read(std::string_view entry, std::string_view field) const {
  bool is_directory = false;
  auto path = Resolve(entry, field, &is_directory);
  if (!path.ok()) return std::move(path).error();
  if (is_directory) {
    return Error::Invalid(
        fmt::format("{}: {} entry \"{}\" is a folder; a file is expected", file_, field, entry));
  }
  // kustomize's default load restriction: files only from the kustomization's folder.
  stdfs::path relative = path->lexically_relative(dir_);
  if (relative.empty() || *relative.begin() == "..") {
    return Error::Invalid(fmt::format(
        "{}: {} entry \"{}\": file is not in or below the kustomization's folder {} (kustomize "
        "refuses this too; move the file or make it part of a base)",
        file_, field, entry, fs_.Display(dir_)));
  }
  auto text = ReadFileBounded(*path, kMaxKustomizeFileBytes);
  if (!text.ok()) return std::move(text).error().Wrap(fmt::format("{}: {}", file_, field));
  return text;
}

}  // namespace capstan::render::kustomize
