// JSON codec. Parsing keeps key order and refuses duplicate keys, like the YAML reader;
// output is deterministic (members in the Value's order).
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "core/value.h"

namespace capstan {

// Parses one JSON text. Errors name `source`, line and column.
// Inputs larger than `max_bytes` (default 32 MiB) are refused before parsing.
Result<Value> ParseJson(std::string_view text, std::string_view source,
                        size_t max_bytes = 32u << 20);

// Compact JSON when `indent` < 0, else pretty-printed with `indent` spaces per level.
std::string EmitJson(const Value& value, int indent = -1);

// JSON with object keys sorted bytewise at every level: the canonical form that hashes
// are taken over.
std::string EmitCanonicalJson(const Value& value);

}  // namespace capstan
