// Kubernetes resource quantities ("500m", "1Gi", "2k") in the canonical form the API
// server stores them in, so `cpu: 0.5` in a manifest equals `cpu: 500m` read back.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/value.h"

namespace capstan::diff::internal {

// The canonical spelling of a quantity, or nullopt when `text` is not one (or is too large
// to handle exactly; such values are then compared as written). Rules, as
// k8s.io/apimachinery's Quantity: the suffix family (decimal SI, binary SI, exponent) is
// kept; the exponent is the largest that keeps the mantissa an integer; binary values
// below 1Ki, or not whole, are written in decimal SI; precision finer than 1n rounds up.
//   "0.5" -> "500m"   "1000m" -> "1"   "2000" -> "2k"   "1.5Gi" -> "1536Mi"
//   "1024Mi" -> "1Gi" "0.5Ki" -> "512"  "1e3" -> "1e3"  "1.5e3" -> "1500"
std::optional<std::string> CanonicalQuantity(std::string_view text);

// CanonicalQuantity of a string, integer or double Value; other values, and strings that
// are no quantity, are returned unchanged.
Value CanonicalQuantityValue(const Value& value);

}  // namespace capstan::diff::internal
