// Kubernetes resource quantities ("128Mi", "1G", "0.5", "500m", "1e3", "1Ki"), parsed by
// the rules of apimachinery's resource.ParseQuantity, and read the way the kubelet reads
// them: memory in whole bytes and CPU in millicores, both rounded up.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/value.h"

namespace capstan::target::local {

// A parsed quantity, kept exact: value = sign * digits * 10^decimal_exponent * 2^binary_exponent.
// Worked examples: "1.5Gi" -> 15 * 10^-1 * 2^30; "500m" -> 5 * 10^2 * 10^-3 = 5 * 10^-1;
// "1e3" -> 1 * 10^3.
class Quantity {
 public:
  // nullopt when `text` is not a quantity: `<sign?><digits>[.<digits>]<suffix>` where the
  // suffix is one of n u m "" k M G T P E (powers of 1000), Ki Mi Gi Ti Pi Ei (powers of
  // 1024) or e<int> / E<int> (a power of ten), with no spaces. Like Kubernetes, "1." and ".5"
  // are quantities and "E" alone means exa.
  static std::optional<Quantity> Parse(std::string_view text);
  // A manifest's value: a string as above, or a YAML number (`cpu: 1`, `cpu: 0.5`).
  static std::optional<Quantity> FromValue(const Value& value);

  bool negative() const { return negative_ && !is_zero(); }
  bool is_zero() const { return digits_ == 0; }

  // The value in whole units, rounded up (Kubernetes' Quantity.Value()): "1.5" -> 2,
  // "500m" -> 1, "1Ki" -> 1024. nullopt when it does not fit in an int64 or is negative.
  std::optional<int64_t> Units() const { return Scaled(0); }
  // The value in thousandths, rounded up (Quantity.MilliValue()): "0.5" -> 500, "1" -> 1000,
  // "1m" -> 1, "0.1m" -> 1. nullopt when it does not fit in an int64 or is negative.
  std::optional<int64_t> Millis() const { return Scaled(3); }

  // Exact comparison of two quantities ("1Gi" == "1073741824", "0.5" == "500m").
  friend bool operator==(const Quantity& a, const Quantity& b) { return Compare(a, b) == 0; }
  static int Compare(const Quantity& a, const Quantity& b);

 private:
  // value * 10^extra_decimal rounded up; nullopt past int64 or when negative.
  std::optional<int64_t> Scaled(int extra_decimal) const;

  bool negative_ = false;
  uint64_t digits_ = 0;  // at most 19 decimal digits, no trailing zeros
  int decimal_exponent_ = 0;
  int binary_exponent_ = 0;  // 0, 10, 20, ... 60
};

}  // namespace capstan::target::local
