#include "core/fs.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace capstan {
namespace fs = std::filesystem;

Result<std::string> ReadFileBounded(const fs::path& path, size_t max_bytes) {
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (ec) return Error::NotFound(fmt::format("{}: {}", path.string(), ec.message()));
  if (size > max_bytes) {
    return Error::Invalid(fmt::format("{}: file is {} bytes, over the limit of {} bytes",
                                      path.string(), size, max_bytes));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Error::NotFound(fmt::format("{}: cannot open: {}", path.string(), std::strerror(errno)));
  std::string contents(size, '\0');
  in.read(contents.data(), static_cast<std::streamsize>(size));
  contents.resize(static_cast<size_t>(in.gcount()));
  return contents;
}

Status WriteFileAtomic(const fs::path& path, std::string_view contents) {
  fs::path temp = path;
  temp += fmt::format(".tmp.{}", ::getpid());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Error::Unavailable(fmt::format("{}: {}", temp.string(), std::strerror(errno)));
  size_t written = 0;
  while (written < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      ::close(fd);
      ::unlink(temp.c_str());
      return Error::Unavailable(fmt::format("{}: {}", temp.string(), std::strerror(saved)));
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(temp.c_str());
    return Error::Unavailable(fmt::format("{}: {}", temp.string(), std::strerror(errno)));
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    ::unlink(temp.c_str());
    return Error::Unavailable(fmt::format("{}: {}", path.string(), std::strerror(errno)));
  }
  return OkStatus();
}

Result<RootedFs> RootedFs::Open(const fs::path& root) {
  std::error_code ec;
  fs::path canonical = fs::canonical(root, ec);
  if (ec) return Error::NotFound(fmt::format("{}: {}", root.string(), ec.message()));
  return RootedFs(canonical);
}

namespace {
bool IsInside(const fs::path& root, const fs::path& candidate) {
  auto r = root.begin();
  auto c = candidate.begin();
  for (; r != root.end(); ++r, ++c) {
    if (c == candidate.end() || *r != *c) return false;
  }
  return true;
}
}  // namespace

Result<fs::path> RootedFs::Resolve(const fs::path& base, std::string_view relative) const {
  fs::path rel(relative);
  if (rel.is_absolute()) {
    return Error::Invalid(
        fmt::format("{}: absolute paths are not allowed; use a path inside "
                    "the repository",
                    relative));
  }
  fs::path joined = (root_ / base / rel).lexically_normal();
  if (!IsInside(root_, joined)) {
    return Error::Invalid(fmt::format("{}: path leaves the repository root", relative));
  }
  // weakly_canonical follows every symbolic link in the existing prefix.
  std::error_code ec;
  fs::path real = fs::weakly_canonical(joined, ec);
  if (ec) return Error::NotFound(fmt::format("{}: {}", relative, ec.message()));
  if (!IsInside(root_, real)) {
    return Error::Invalid(
        fmt::format("{}: a symbolic link leads outside the repository root", relative));
  }
  return real;
}

std::string RootedFs::Display(const fs::path& absolute) const {
  fs::path rel = absolute.lexically_relative(root_);
  if (rel.empty() || rel == ".") return ".";
  return rel.string();
}

}  // namespace capstan
