// Standard base64 (RFC 4648, with padding), as Kubernetes stores Secret data and kubeconfig
// files hold certificates.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace capstan {

std::string Base64Encode(std::string_view bytes);
// nullopt when `text` is not valid base64. Whitespace (line-wrapped input) is skipped.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace capstan
