// Standard base64 decoding (RFC 4648), for the *-data fields of a kubeconfig.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace capstan::target::kube {

// nullopt when `text` is not valid base64; whitespace (line-wrapped input) is skipped.
std::optional<std::string> DecodeBase64(std::string_view text);

}  // namespace capstan::target::kube
