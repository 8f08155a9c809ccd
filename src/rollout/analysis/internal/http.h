// One HTTP exchange over libcurl for the metric providers (http.cc).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "rollout/analysis/analysis.h"

namespace capstan::rollout::analysis::internal {

struct HttpRequest {
  std::string method = "GET";  // GET, POST or PUT
  std::string url;             // http:// or https:// only; redirects are followed (10 at most)
  std::vector<Header> headers;
  std::string body;                           // sent with POST and PUT
  std::chrono::milliseconds timeout{30'000};  // the whole exchange
  bool insecure = false;                      // skip TLS certificate checks
  std::string username;                       // basic authentication when not empty
  std::string password;
  size_t max_response_bytes = 1u << 20;  // a longer body is an error
};

struct HttpResponse {
  long status = 0;
  std::string body;
};

// Performs `request`. Errors (Unavailable) name the method and the URL without its query
// (which may hold arguments) and say why: "GET http://127.0.0.1:9/api/v1/query: cannot
// connect (Connection refused)", "... timed out after 30 s", "... response larger than
// 16777216 bytes". Thread-safe.
Result<HttpResponse> HttpExchange(const HttpRequest& request);

// Percent-encodes `text` for a query string (RFC 3986 unreserved characters stay).
std::string UrlEncode(std::string_view text);

}  // namespace capstan::rollout::analysis::internal
