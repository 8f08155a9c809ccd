// Kubernetes' timestamps: RFC 3339 in UTC with second precision ("2026-11-22T06:01:38Z"),
// as metadata.creationTimestamp and every status time.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace capstan {

std::string FormatRfc3339(std::chrono::system_clock::time_point time);

// Accepts "Z" or a numeric offset and fractional seconds; nullopt for anything else.
std::optional<std::chrono::system_clock::time_point> ParseRfc3339(std::string_view text);

}  // namespace capstan
