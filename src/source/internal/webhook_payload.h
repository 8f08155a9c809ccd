// Reading a verified push payload. Not part of the module's interface.
#pragma once

#include <string_view>

#include "core/result.h"
#include "source/webhook.h"

namespace capstan::source::internal {

// The push described by `body` (GitHub, GitLab and Gitea shapes). REQUIRES: the body's
// signature was verified. Errors name the field ("payload: field ref: ...") without the
// "webhook <provider>: " prefix, which the caller adds.
Result<PushEvent> ReadPushPayload(WebhookProvider provider, std::string_view body);

}  // namespace capstan::source::internal
