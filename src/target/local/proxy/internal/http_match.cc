#include "target/local/proxy/internal/http_match.h"

#include <algorithm>

namespace capstan::target::local::proxy::internal {

HttpRouter::HttpRouter(const std::vector<HttpRoute>& routes) : routes_(&routes) {
  for (size_t i = 0; i < routes.size(); ++i) {
    by_host_[routes[i].host].push_back(static_cast<int>(i));
  }
  for (auto& [host, indices] : by_host_) {
    std::stable_sort(indices.begin(), indices.end(), [&](int a, int b) {
      const HttpRoute& x = routes[a];
      const HttpRoute& y = routes[b];
      if (x.path.size() != y.path.size()) return x.path.size() > y.path.size();
      return x.path_type == PathType::kExact && y.path_type != PathType::kExact;
    });
  }
}

const std::vector<int>* HttpRouter::HostRoutes(std::string_view host) const {
  // Heterogeneous lookup needs C++20's transparent unordered_map in newer libraries; the
  // host is short, so one copy per request is cheap.
  std::string key(host);
  if (auto it = by_host_.find(key); it != by_host_.end()) return &it->second;
  if (size_t dot = host.find('.'); dot != std::string_view::npos) {
    key = "*" + std::string(host.substr(dot));
    if (auto it = by_host_.find(key); it != by_host_.end()) return &it->second;
  }
  if (auto it = by_host_.find(std::string()); it != by_host_.end()) return &it->second;
  return nullptr;
}

int HttpRouter::Match(std::string_view host, std::string_view path) const {
  const std::vector<int>* candidates = HostRoutes(host);
  if (candidates == nullptr) return -1;
  for (int index : *candidates) {
    if (PathMatches((*routes_)[index], path)) return index;
  }
  return -1;
}

bool PathMatches(const HttpRoute& route, std::string_view path) {
  const std::string& want = route.path;
  if (route.path_type == PathType::kExact) return path == want;
  if (want == "/") return true;
  if (path.size() < want.size() || path.compare(0, want.size(), want) != 0) return false;
  return path.size() == want.size() || path[want.size()] == '/';
}

std::string NormalizeHost(std::string_view host_header) {
  std::string_view host = host_header;
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    host = host.substr(0, close == std::string_view::npos ? host.size() : close + 1);
  } else if (size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  std::string out(host);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::optional<std::string_view> CookieValue(std::string_view cookie_header, std::string_view name) {
  while (!cookie_header.empty()) {
    size_t end = cookie_header.find(';');
    std::string_view pair = cookie_header.substr(0, end);
    cookie_header =
        end == std::string_view::npos ? std::string_view() : cookie_header.substr(end + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos || pair.substr(0, eq) != name) continue;
    std::string_view value = pair.substr(eq + 1);
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
    return value;
  }
  return std::nullopt;
}

bool ChooseCanary(const CanaryPolicy& policy, std::optional<std::string_view> header,
                  std::optional<std::string_view> cookie, uint32_t draw) {
  if (!policy.header.empty() && header) {
    if (!policy.header_value.empty()) {
      if (*header == policy.header_value) return true;
    } else if (*header == "always") {
      return true;
    } else if (*header == "never") {
      return false;
    }
  }
  if (!policy.cookie.empty() && cookie) {
    if (*cookie == "always") return true;
    if (*cookie == "never") return false;
  }
  return policy.weight > 0 && draw < static_cast<uint32_t>(policy.weight);
}

}  // namespace capstan::target::local::proxy::internal
