// Turning an API server's error response (a Kubernetes Status object) into an Error.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace capstan::target::kube {

// The error for a response with HTTP status `http_status` (>= 400) and body `body`
// (usually `{"kind":"Status","message":...,"reason":...}`), prefixed with `what` (the
// object key or request). Mapping:
//   404 NotFound; 409 Conflict (also apply conflicts and AlreadyExists);
//   400, 422 Invalid (the server's message kept);
//   401 Unavailable "unauthorized: ..." (the credentials are wrong or expired);
//   403 Invalid "forbidden: ..." (RBAC refuses; retrying will not help);
//   410 Conflict "gone: ..." (a resource version too old for a watch or list);
//   429, 5xx Unavailable; any other status Invalid.
// The body is quoted only through its message field (or, when it is not a Status, its
// first 512 bytes), so tokens sent in a request never reach the message.
Error ErrorFromResponse(long http_status, std::string_view body, std::string_view what);

}  // namespace capstan::target::kube
