// Route matching and the small HTTP value types; everything Beast-free lives here.
#include "server/internal/router.h"

#include <strings.h>

#include <algorithm>

#include "core/json.h"

namespace capstan::server {

namespace {
bool SameName(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}
}  // namespace

void Headers::Add(std::string name, std::string value) {
  fields_.emplace_back(std::move(name), std::move(value));
}

void Headers::Set(std::string name, std::string value) {
  std::erase_if(fields_, [&](const auto& field) { return SameName(field.first, name); });
  Add(std::move(name), std::move(value));
}

std::optional<std::string_view> Headers::Get(std::string_view name) const {
  for (const auto& [key, value] : fields_) {
    if (SameName(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

Response Response::Json(int status, const Value& body) {
  Response out;
  out.status = status;
  out.body = EmitJson(body) + "\n";
  return out;
}

Response Response::Text(int status, std::string body) {
  Response out;
  out.status = status;
  out.content_type = "text/plain; charset=utf-8";
  out.body = std::move(body);
  return out;
}

Response Response::Error(int status, std::string_view message) {
  Value body = Value::MakeObject();
  body.Set("error", message);
  return Json(status, body);
}

namespace internal {

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (path.empty()) return out;
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    out.emplace_back(path.substr(start, slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

namespace {

// Matches one route's segments against the path's; fills `params` on success.
bool Matches(const RouteEntry& route, const std::vector<std::string>& path,
             std::map<std::string, std::string>& params) {
  params.clear();
  const auto& pattern = route.segments;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const std::string& seg = pattern[i];
    if (!seg.empty() && seg.front() == '*') {
      std::string rest;
      for (size_t j = i; j < path.size(); ++j) rest += (j > i ? "/" : "") + path[j];
      params[seg.substr(1)] = PercentDecode(rest, false);
      return true;
    }
    if (i >= path.size()) return false;
    if (!seg.empty() && seg.front() == ':') {
      if (path[i].empty()) return false;
      params[seg.substr(1)] = PercentDecode(path[i], false);
    } else if (seg != path[i]) {
      return false;
    }
  }
  return pattern.size() == path.size();
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

RouteMatch FindRoute(const std::vector<RouteEntry>& routes, std::string_view method,
                     std::string_view raw_path) {
  RouteMatch match;
  std::vector<std::string> path = SplitPath(raw_path);
  std::map<std::string, std::string> params;
  for (const RouteEntry& route : routes) {
    if (!Matches(route, path, params)) continue;
    if (route.method == method) {
      if (match.route == nullptr) {
        match.route = &route;
        match.params = params;
      }
    } else if (std::find(match.allowed.begin(), match.allowed.end(), route.method) ==
               match.allowed.end()) {
      match.allowed.push_back(route.method);
    }
  }
  return match;
}

std::string PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      int hi = HexDigit(text[i + 1]), lo = HexDigit(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += (plus_is_space && c == '+') ? ' ' : c;
  }
  return out;
}

std::map<std::string, std::string> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string key = PercentDecode(pair.substr(0, eq), true);
    std::string value =
        eq == std::string_view::npos ? std::string() : PercentDecode(pair.substr(eq + 1), true);
    out[std::move(key)] = std::move(value);
  }
  return out;
}

std::string FormatEvent(std::string_view event, std::string_view data) {
  std::string out;
  // A newline in the event name would start a new field; drop it rather than let data
  // from a caller forge one.
  if (!event.empty()) {
    out += "event: ";
    for (char c : event) out += (c == '\n' || c == '\r') ? ' ' : c;
    out += '\n';
  }
  size_t start = 0;
  while (true) {
    size_t nl = data.find('\n', start);
    out += "data: ";
    // A bare carriage return also ends a line in the event-stream format.
    for (char c : data.substr(start, nl - start)) out += c == '\r' ? ' ' : c;
    out += '\n';
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  out += '\n';
  return out;
}

}  // namespace internal
}  // namespace capstan::server
