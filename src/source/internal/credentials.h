// Bridges a CredentialProvider to libgit2's credential callback.
#pragma once

#include <git2.h>

#include "source/source.h"

namespace capstan::source::internal {

// The callback's payload, one per fetch.
struct CredentialContext {
  CredentialProvider* provider = nullptr;  // may be null: no credentials
  int attempts = 0;                        // a refused credential is not offered again
};

// libgit2's git_credential_acquire_cb; `payload` is a CredentialContext.
int AcquireCredential(git_credential** out, const char* url, const char* username_from_url,
                      unsigned int allowed_types, void* payload);

}  // namespace capstan::source::internal
