#include "target/local/pod/quantity.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

namespace capstan::target::local {

namespace {

using U128 = unsigned __int128;

// Longer quantities are refused: real ones are a handful of characters.
constexpr size_t kMaxQuantityLength = 64;
// Significant digits kept exactly: they fit in 64 bits, and 10^19 * 2^60 in 128.
constexpr int kMaxSignificantDigits = 19;
// Exponents beyond this are clamped; the value is then far outside int64 either way.
constexpr int kMaxExponent = 10000;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

struct Suffix {
  int decimal_exponent = 0;
  int binary_exponent = 0;
};

// Kubernetes' suffixer: decimal SI, binary SI, then e/E followed by an integer.
std::optional<Suffix> InterpretSuffix(std::string_view suffix) {
  static constexpr std::pair<std::string_view, int> kDecimal[] = {
      {"n", -9}, {"u", -6}, {"m", -3}, {"", 0},   {"k", 3},
      {"M", 6},  {"G", 9},  {"T", 12}, {"P", 15}, {"E", 18}};
  static constexpr std::pair<std::string_view, int> kBinary[] = {
      {"Ki", 10}, {"Mi", 20}, {"Gi", 30}, {"Ti", 40}, {"Pi", 50}, {"Ei", 60}};
  for (const auto& [text, exponent] : kDecimal) {
    if (suffix == text) return Suffix{exponent, 0};
  }
  for (const auto& [text, exponent] : kBinary) {
    if (suffix == text) return Suffix{0, exponent};
  }
  if (suffix.size() < 2 || (suffix[0] != 'e' && suffix[0] != 'E')) return std::nullopt;
  std::string_view number = suffix.substr(1);
  bool negative = false;
  if (number[0] == '+' || number[0] == '-') {
    negative = number[0] == '-';
    number.remove_prefix(1);
  }
  if (number.empty()) return std::nullopt;
  int exponent = 0;
  for (char c : number) {
    if (!IsDigit(c)) return std::nullopt;
    exponent = std::min(exponent * 10 + (c - '0'), kMaxExponent);
  }
  return Suffix{negative ? -exponent : exponent, 0};
}

int DigitCount(U128 value) {
  int count = 0;
  for (; value != 0; value /= 10) ++count;
  return count;
}

U128 Pow10(int exponent) {
  U128 result = 1;
  for (int i = 0; i < exponent; ++i) result *= 10;
  return result;
}

}  // namespace

std::optional<Quantity> Quantity::Parse(std::string_view text) {
  if (text.empty() || text.size() > kMaxQuantityLength) return std::nullopt;
  size_t pos = 0;
  Quantity quantity;
  if (text[0] == '+' || text[0] == '-') {
    quantity.negative_ = text[0] == '-';
    ++pos;
  }
  std::string digits;  // integer and fraction digits together
  int fraction_digits = 0;
  while (pos < text.size() && IsDigit(text[pos])) digits += text[pos++];
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    while (pos < text.size() && IsDigit(text[pos])) {
      digits += text[pos++];
      ++fraction_digits;
    }
  }
  // The suffix: letters of "eEinumkKMGTP", then an optional sign and digits, then the end.
  size_t suffix_start = pos;
  while (pos < text.size() &&
         std::string_view("eEinumkKMGTP").find(text[pos]) != std::string_view::npos) {
    ++pos;
  }
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) ++pos;
  while (pos < text.size() && IsDigit(text[pos])) ++pos;
  if (pos != text.size()) return std::nullopt;
  std::optional<Suffix> suffix = InterpretSuffix(text.substr(suffix_start));
  if (!suffix) return std::nullopt;

  // Normalize: no leading zeros, trailing zeros moved into the exponent.
  size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return quantity;  // zero (Kubernetes accepts "0.", "Mi" too)
  digits.erase(0, first);
  int exponent = suffix->decimal_exponent - fraction_digits;
  while (digits.back() == '0') {
    digits.pop_back();
    ++exponent;
  }
  if (static_cast<int>(digits.size()) > kMaxSignificantDigits) return std::nullopt;
  quantity.digits_ = std::stoull(digits);  // < 10^19 < 2^64
  quantity.decimal_exponent_ = std::clamp(exponent, -kMaxExponent, kMaxExponent);
  quantity.binary_exponent_ = suffix->binary_exponent;
  return quantity;
}

std::optional<Quantity> Quantity::FromValue(const Value& value) {
  if (value.is_string()) return Parse(value.as_string());
  if (value.is_int()) return Parse(std::to_string(value.as_int()));
  if (value.is_double()) return Parse(fmt::format("{}", value.as_double()));
  return std::nullopt;
}

std::optional<int64_t> Quantity::Scaled(int extra_decimal) const {
  if (negative()) return std::nullopt;
  if (is_zero()) return 0;
  U128 mantissa = static_cast<U128>(digits_) << binary_exponent_;
  int exponent = decimal_exponent_ + extra_decimal;
  constexpr U128 kMax = std::numeric_limits<int64_t>::max();
  if (exponent >= 0) {
    for (int i = 0; i < exponent; ++i) {
      if (mantissa > kMax) return std::nullopt;
      mantissa *= 10;
    }
    if (mantissa > kMax) return std::nullopt;
    return static_cast<int64_t>(mantissa);
  }
  // Rounded up, as Kubernetes gives "some" of a resource for any non-zero request.
  if (-exponent > 38) return 1;
  U128 divisor = Pow10(-exponent);
  U128 result = mantissa / divisor + (mantissa % divisor != 0 ? 1 : 0);
  if (result > kMax) return std::nullopt;
  return static_cast<int64_t>(result);
}

int Quantity::Compare(const Quantity& a, const Quantity& b) {
  if (a.negative() != b.negative()) return a.negative() ? -1 : 1;
  int sign = a.negative() ? -1 : 1;
  if (a.is_zero() || b.is_zero()) {
    if (a.is_zero() && b.is_zero()) return 0;
    return a.is_zero() ? -sign : sign;
  }
  U128 ma = static_cast<U128>(a.digits_) << a.binary_exponent_;
  U128 mb = static_cast<U128>(b.digits_) << b.binary_exponent_;
  // Compare magnitudes by order first, then exactly (both then fit in 128 bits).
  int order_a = DigitCount(ma) + a.decimal_exponent_;
  int order_b = DigitCount(mb) + b.decimal_exponent_;
  if (order_a != order_b) return order_a < order_b ? -sign : sign;
  int common = std::min(a.decimal_exponent_, b.decimal_exponent_);
  ma *= Pow10(a.decimal_exponent_ - common);
  mb *= Pow10(b.decimal_exponent_ - common);
  if (ma == mb) return 0;
  return ma < mb ? -sign : sign;
}

}  // namespace capstan::target::local
