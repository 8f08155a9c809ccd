#include "target/local/podman/internal/image_ref.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace capstan::target::local::podman_internal {

namespace {

constexpr char kDefaultRegistry[] = "docker.io";

// The host without its port: "127.0.0.1:5000" -> "127.0.0.1", "[::1]:5000" -> "::1".
std::string_view HostName(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    size_t end = host.find(']');
    return end == std::string_view::npos ? host : host.substr(1, end - 1);
  }
  return host.substr(0, host.find(':'));
}

}  // namespace

std::string RegistryHost(std::string_view image) {
  size_t slash = image.find('/');
  if (slash == std::string_view::npos) return kDefaultRegistry;
  std::string_view first = image.substr(0, slash);
  // Docker's rule: the first component is a registry when it has a dot or a port, or is
  // "localhost"; otherwise the name lives on Docker Hub.
  if (first.find_first_of(".:[") != std::string_view::npos || first == "localhost") {
    return std::string(first);
  }
  return kDefaultRegistry;
}

bool HasPort(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    size_t end = host.find(']');
    return end != std::string_view::npos && end + 1 < host.size() && host[end + 1] == ':';
  }
  return host.find(':') != std::string_view::npos;
}

bool IsLoopbackRegistry(std::string_view host) {
  std::string name(HostName(host));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (name == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, name.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, name.c_str(), &v6) == 1) {
    return IN6_IS_ADDR_LOOPBACK(&v6);
  }
  return false;
}

}  // namespace capstan::target::local::podman_internal
