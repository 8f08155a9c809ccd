// Which certificates https remotes are checked against.
#include <fmt/format.h>
#include <git2.h>

#include <system_error>

#include "source/internal/git.h"
#include "source/source.h"

namespace capstan::source {

Status TrustCertificates(const std::filesystem::path& ca_file) {
  internal::InitGit();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(ca_file, ec)) {
    return Error::Invalid(fmt::format("certificates {}: not a readable file", ca_file.string()));
  }
  if (git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, ca_file.c_str(), nullptr) != 0) {
    return Error::Invalid(
        fmt::format("certificates {}: {}", ca_file.string(), internal::LastGitError()));
  }
  return OkStatus();
}

}  // namespace capstan::source
