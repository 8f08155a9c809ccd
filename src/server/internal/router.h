// Internal to the server module: route matching, URL decoding and the event-stream wire
// format. Pure functions; no Boost here.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "server/http_server.h"

namespace capstan::server::internal {

struct RouteEntry {
  std::string method;
  std::vector<std::string> segments;  // "api", ":name", "*rest"
  Handler handler;                    // exactly one of handler and stream is set
  StreamHandler stream;
};

// Splits a pattern or raw path into segments: "/a/b/" -> {"a", "b", ""}; "/" -> {}.
std::vector<std::string> SplitPath(std::string_view path);

struct RouteMatch {
  const RouteEntry* route = nullptr;  // null: no route for method and path
  std::map<std::string, std::string> params;
  std::vector<std::string> allowed;  // methods whose routes match the path (for 405)
};

// The first route matching `method` and `raw_path` (still percent-encoded, so "%2F" in a
// parameter does not split it).
RouteMatch FindRoute(const std::vector<RouteEntry>& routes, std::string_view method,
                     std::string_view raw_path);

// Decodes %XX escapes (and `+` as a space when `plus_is_space`); a malformed escape is
// kept as written.
std::string PercentDecode(std::string_view text, bool plus_is_space);

// "a=1&b=x%20y&c" -> {a: 1, b: "x y", c: ""}.
std::map<std::string, std::string> ParseQuery(std::string_view query);

// One server-sent event: "event: NAME\n" (unless empty), "data: LINE\n" per line of
// `data`, then a blank line.
std::string FormatEvent(std::string_view event, std::string_view data);

}  // namespace capstan::server::internal
