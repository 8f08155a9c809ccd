// Request routing decisions, as ingress-nginx makes them: which route a host and path go
// to, and whether a request goes to the canary. Pure and Boost-free, so they are tested
// without sockets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "target/local/proxy/routes.h"

namespace capstan::target::local::proxy::internal {

// Routes grouped by host for lookup. Holds indices into the vector it was built from; the
// caller keeps that vector alive and unchanged. Immutable after construction, so any
// number of threads may call Match at once.
class HttpRouter {
 public:
  explicit HttpRouter(const std::vector<HttpRoute>& routes);

  // The index of the route for `host` (lower case, no port) and `path` (no query), or -1.
  // Host: an exact host's routes if it has any, else its one-label wildcard
  // ("*.example.com"), else the routes without a host. Within that host, the longest path
  // wins; at equal length Exact beats Prefix. A host with routes but no matching path gets
  // -1 (ingress-nginx answers 404 there too, not the catch-all).
  int Match(std::string_view host, std::string_view path) const;

 private:
  const std::vector<int>* HostRoutes(std::string_view host) const;

  const std::vector<HttpRoute>* routes_;
  // host → route indices, longest path first.
  std::unordered_map<std::string, std::vector<int>> by_host_;
};

// Whether `path` (the request path without query) matches the route's path and type.
// Prefix matches by path element: "/foo" matches "/foo" and "/foo/bar", not "/foobar".
bool PathMatches(const HttpRoute& route, std::string_view path);

// The Host header without a port, lower-cased ("Shop.Example.com:8000" → "shop.example.com",
// "[::1]:80" → "[::1]").
std::string NormalizeHost(std::string_view host_header);

// The value of cookie `name` in a Cookie header ("a=1; beta=always" → "always"), or
// nullopt.
std::optional<std::string_view> CookieValue(std::string_view cookie_header, std::string_view name);

// Whether a request goes to the canary, by ingress-nginx's precedence:
// 1. canary-by-header: with canary-by-header-value set, a header equal to it → canary;
//    without it, "always" → canary and "never" → stable; anything else falls through.
// 2. canary-by-cookie: "always" → canary, "never" → stable, else falls through.
// 3. canary-weight: `draw` (uniform in [0, weight_total)) < weight → canary.
// Example: weight 10 of 100, no header or cookie → draws 0..9 go to the canary (10%).
bool ChooseCanary(const CanaryPolicy& policy, std::optional<std::string_view> header,
                  std::optional<std::string_view> cookie, uint32_t draw);

}  // namespace capstan::target::local::proxy::internal
