// Content hashes: SHA-256 (OpenSSL) over bytes or over a Value's canonical JSON.
#pragma once

#include <string>
#include <string_view>

#include "core/value.h"

namespace capstan {

// Lower-case hex SHA-256 of `bytes`.
std::string Sha256Hex(std::string_view bytes);

// A stable hash of a Value: equal Values (by operator==, so key order does not matter)
// give equal hashes, across runs and machines.
std::string ContentHash(const Value& value);

}  // namespace capstan
