// Repository credentials from a file, for `capstan server --repo-credentials FILE`, in the
// spirit of Argo CD's repository credential templates: each entry applies to every
// repository URL that starts with its `url`, the longest match wins.
//
//   # capstan repository credentials
//   - url: https://github.com/my-org/
//     username: capstan-bot
//     passwordFile: /run/secrets/github-token     # the token as password
//   - url: ssh://git@gitlab.example.com/
//     sshPrivateKeyFile: /run/secrets/deploy-key  # username from the URL ("git")
//   - url: ssh://git@github.com/
//     sshAgent: true
//
// Secrets are read from files (never written in this file), once, at load. Nothing here is
// ever logged; errors name the file and the entry, never a secret.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "source/source.h"

namespace capstan::source {

class FileCredentialProvider final : public CredentialProvider {
 public:
  // Reads `path` (YAML list as above, at most 1 MiB) and the secret files it names
  // (relative to its folder when not absolute). Invalid naming the file, entry index and
  // field for a missing url, an entry with both a password and a key, or an unreadable
  // secret file.
  static Result<std::unique_ptr<FileCredentialProvider>> Load(const std::filesystem::path& path);

  // The credential of the longest `url` prefix matching `url`; NotFound when none does.
  // Thread-safe (immutable after Load).
  Result<Credential> Lookup(std::string_view url, std::string_view username) override;

 private:
  struct Entry {
    std::string url_prefix;
    Credential credential;
  };
  std::vector<Entry> entries_;
};

}  // namespace capstan::source
