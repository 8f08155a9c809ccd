#include "target/kube/internal/api_error.h"

#include "core/json.h"

namespace capstan::target::kube {
namespace {

// How much of a body that is not a Status object goes into a message.
constexpr size_t kMaxRawBodyInMessage = 512;

std::string ServerMessage(long http_status, std::string_view body) {
  Result<Value> status = ParseJson(body, "response");
  if (status.ok() && status->StringAt({"kind"}) == "Status") {
    std::string message(status->StringAt({"message"}));
    if (!message.empty()) return message;
    std::string reason(status->StringAt({"reason"}));
    if (!reason.empty()) return reason;
  }
  std::string raw(body.substr(0, kMaxRawBodyInMessage));
  while (!raw.empty() && (raw.back() == '\n' || raw.back() == ' ')) raw.pop_back();
  if (raw.empty()) return "HTTP " + std::to_string(http_status);
  return "HTTP " + std::to_string(http_status) + ": " + raw;
}

}  // namespace

Error ErrorFromResponse(long http_status, std::string_view body, std::string_view what) {
  std::string message = std::string(what) + ": " + ServerMessage(http_status, body);
  switch (http_status) {
    case 404:
      return Error::NotFound(message);
    case 409:
      return Error::Conflict(message);
    case 400:
    case 422:
      return Error::Invalid(message);
    case 401:
      return Error::Unavailable(std::string(what) +
                                ": unauthorized: " + ServerMessage(http_status, body));
    case 403:
      return Error::Invalid(std::string(what) + ": forbidden: " + ServerMessage(http_status, body));
    case 410:
      return Error::Conflict(std::string(what) + ": gone: " + ServerMessage(http_status, body));
    default:
      break;
  }
  if (http_status == 429 || http_status >= 500) return Error::Unavailable(message);
  return Error::Invalid(message);
}

}  // namespace capstan::target::kube
