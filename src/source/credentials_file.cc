#include "source/credentials_file.h"

#include <fmt/format.h>

#include "core/fs.h"
#include "core/yaml.h"

namespace capstan::source {

namespace {

constexpr size_t kMaxFileBytes = size_t{1} << 20;
constexpr size_t kMaxSecretBytes = size_t{64} << 10;

std::string Trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

}  // namespace

Result<std::unique_ptr<FileCredentialProvider>> FileCredentialProvider::Load(
    const std::filesystem::path& path) {
  auto text = ReadFileBounded(path, kMaxFileBytes);
  if (!text.ok()) return text.error();
  auto document = ParseYaml(*text, path.string());
  if (!document.ok()) return document.error();
  if (!document->is_array()) {
    return Error::Invalid(fmt::format("{}: expected a list of credentials", path.string()));
  }
  auto provider = std::unique_ptr<FileCredentialProvider>(new FileCredentialProvider());
  std::filesystem::path dir = path.parent_path();
  size_t index = 0;
  for (const Value& item : document->as_array()) {
    auto where = [&](std::string_view field) {
      return fmt::format("{}: [{}].{}", path.string(), index, field);
    };
    if (!item.is_object()) return Error::Invalid(where("") + ": expected a map");
    for (const auto& [key, value] : item.as_object()) {
      if (key != "url" && key != "username" && key != "passwordFile" &&
          key != "sshPrivateKeyFile" && key != "sshPublicKeyFile" && key != "passphraseFile" &&
          key != "sshAgent") {
        return Error::Invalid(where(key) + ": unknown field");
      }
      if (key != "sshAgent" && !value.is_string())
        return Error::Invalid(where(key) + ": expected a string");
    }
    Entry entry;
    entry.url_prefix = std::string(item.StringAt({"url"}));
    if (entry.url_prefix.empty()) return Error::Invalid(where("url") + ": required");
    entry.credential.username = std::string(item.StringAt({"username"}));
    auto secret = [&](std::string_view field) -> Result<std::string> {
      std::filesystem::path file(std::string(item.StringAt({field})));
      if (file.is_relative()) file = dir / file;
      auto content = ReadFileBounded(file, kMaxSecretBytes);
      if (!content.ok()) return Error::Invalid(where(field) + ": cannot read the file it names");
      return Trimmed(std::move(*content));
    };
    bool has_password = item.Find("passwordFile") != nullptr;
    bool has_key = item.Find("sshPrivateKeyFile") != nullptr;
    const Value* agent = item.Find("sshAgent");
    bool use_agent = agent != nullptr && agent->is_bool() && agent->as_bool();
    if (int(has_password) + int(has_key) + int(use_agent) != 1) {
      return Error::Invalid(where("") +
                            ": set exactly one of passwordFile, sshPrivateKeyFile and sshAgent");
    }
    if (has_password) {
      auto password = secret("passwordFile");
      if (!password.ok()) return password.error();
      entry.credential.kind = Credential::Kind::kUserPassword;
      entry.credential.password = std::move(*password);
    } else if (has_key) {
      entry.credential.kind = Credential::Kind::kSshKey;
      std::filesystem::path key(std::string(item.StringAt({"sshPrivateKeyFile"})));
      entry.credential.private_key = key.is_relative() ? dir / key : key;
      if (item.Find("sshPublicKeyFile") != nullptr) {
        std::filesystem::path pub(std::string(item.StringAt({"sshPublicKeyFile"})));
        entry.credential.public_key = pub.is_relative() ? dir / pub : pub;
      }
      if (item.Find("passphraseFile") != nullptr) {
        auto passphrase = secret("passphraseFile");
        if (!passphrase.ok()) return passphrase.error();
        entry.credential.passphrase = std::move(*passphrase);
      }
    } else {
      entry.credential.kind = Credential::Kind::kSshAgent;
    }
    provider->entries_.push_back(std::move(entry));
    ++index;
  }
  return provider;
}

Result<Credential> FileCredentialProvider::Lookup(std::string_view url, std::string_view username) {
  const Entry* best = nullptr;
  for (const Entry& entry : entries_) {
    if (url.substr(0, entry.url_prefix.size()) != entry.url_prefix) continue;
    if (best == nullptr || entry.url_prefix.size() > best->url_prefix.size()) best = &entry;
  }
  if (best == nullptr) {
    return Error::NotFound(fmt::format("no repository credentials for {}", url));
  }
  Credential credential = best->credential;
  if (credential.username.empty()) credential.username = std::string(username);
  return credential;
}

}  // namespace capstan::source
