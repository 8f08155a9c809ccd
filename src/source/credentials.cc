#include "source/internal/credentials.h"

#include <fmt/format.h>

namespace capstan::source::internal {
namespace {

int Refuse(const std::string& message) {
  git_error_set_str(GIT_ERROR_CALLBACK, message.c_str());
  return GIT_EUSER;
}

}  // namespace

int AcquireCredential(git_credential** out, const char* url, const char* username_from_url,
                      unsigned int allowed_types, void* payload) {
  auto* context = static_cast<CredentialContext*>(payload);
  if (context->provider == nullptr) return Refuse("the remote asks for credentials; none given");
  // libgit2 calls again after the server refuses one; asking the provider for the same
  // credential again would loop forever.
  if (context->attempts++ > 0) return Refuse("the remote refused the credentials");
  Result<Credential> credential =
      context->provider->Lookup(url, username_from_url ? username_from_url : "");
  if (!credential.ok()) return Refuse(credential.error().message());
  const Credential& c = *credential;
  switch (c.kind) {
    case Credential::Kind::kUserPassword:
      if ((allowed_types & GIT_CREDENTIAL_USERPASS_PLAINTEXT) == 0) {
        return Refuse("the remote does not take a user name and password");
      }
      return git_credential_userpass_plaintext_new(out, c.username.c_str(), c.password.c_str());
    case Credential::Kind::kSshKey:
      if ((allowed_types & GIT_CREDENTIAL_SSH_KEY) == 0) {
        return Refuse("the remote does not take an SSH key");
      }
      return git_credential_ssh_key_new(
          out, c.username.c_str(), c.public_key.empty() ? nullptr : c.public_key.c_str(),
          c.private_key.c_str(), c.passphrase.empty() ? nullptr : c.passphrase.c_str());
    case Credential::Kind::kSshAgent:
      if ((allowed_types & GIT_CREDENTIAL_SSH_KEY) == 0) {
        return Refuse("the remote does not take an SSH key");
      }
      return git_credential_ssh_key_from_agent(out, c.username.c_str());
  }
  return Refuse("unknown credential kind");
}

}  // namespace capstan::source::internal
