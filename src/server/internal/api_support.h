// What the API's route handlers share: who is acting, request bodies, and errors as HTTP
// statuses. Internal to the server module.
#pragma once

#include "core/result.h"
#include "core/value.h"
#include "server/http_server.h"

namespace capstan::server::internal {

// The X-Capstan-Actor header (the CLI sends user@host), bounded; "anonymous" without one.
std::string ActorOf(const Request& request);
// NotFound → 404, Invalid → 400, Conflict → 409, Unavailable → 503, Internal → 500.
int HttpStatusOf(const Error& error);
Response ErrorResponse(const Error& error);
// The request's JSON object body; an empty body is an empty object.
Result<Value> BodyOf(const Request& request);

}  // namespace capstan::server::internal
