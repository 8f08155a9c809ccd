#include "server/internal/api_support.h"

#include "core/json.h"

namespace capstan::server::internal {
namespace {

// Actor names are free text from the client; bound them so the audit log stays readable.
constexpr size_t kMaxActorBytes = 200;

}  // namespace

std::string ActorOf(const Request& request) {
  auto actor = request.headers.Get("X-Capstan-Actor");
  std::string name = actor ? std::string(actor->substr(0, kMaxActorBytes)) : "anonymous";
  return name.empty() ? "anonymous" : name;
}

int HttpStatusOf(const Error& error) {
  switch (error.code()) {
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kInvalid:
      return 400;
    case ErrorCode::kConflict:
      return 409;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

Response ErrorResponse(const Error& error) {
  return Response::Error(HttpStatusOf(error), error.message());
}

Result<Value> BodyOf(const Request& request) {
  if (request.body.empty()) return Value::MakeObject();
  auto body = ParseJson(request.body, "request body");
  if (!body.ok()) return body.error();
  if (!body->is_object()) return Error::Invalid("request body: expected a JSON object");
  return body;
}

}  // namespace capstan::server::internal
