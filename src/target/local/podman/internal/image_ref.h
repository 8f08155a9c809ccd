// Where an image reference points (pure, unit-tested): capstan pulls only from registries on
// loopback, so nothing leaves the machine.
#pragma once

#include <string>
#include <string_view>

namespace capstan::target::local::podman_internal {

// The registry host (with port) of an image reference, as podman resolves it:
// "127.0.0.1:5000/demo:v1" -> "127.0.0.1:5000", "localhost/demo:v1" -> "localhost",
// "quay.io/x/y" -> "quay.io", "nginx" and "library/nginx" -> "docker.io".
std::string RegistryHost(std::string_view image);

// True for localhost, 127.0.0.0/8 and [::1], with or without a port.
bool IsLoopbackRegistry(std::string_view host);

// True when `host` names a port ("localhost:5000", "[::1]:5000").
bool HasPort(std::string_view host);

}  // namespace capstan::target::local::podman_internal
