// Deterministic block-style YAML output. Layout follows kubectl and kustomize so that
// capstan's output reads like the tools users know.
#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "core/yaml.h"

namespace capstan {
namespace {

constexpr int kIndentStep = 2;
constexpr size_t kMaxImplicitKeyLength = 1000;

bool IsControl(unsigned char c) { return c < 0x20 || c == 0x7f; }

// Length of a code point at `s[i]` that YAML would not keep as written in plain or block
// text: C1 controls (U+0085 is even a line break in YAML 1.1), the line and paragraph
// separators U+2028/U+2029, and the byte-order mark U+FEFF. 0 when there is none.
size_t SpecialUnicodeAt(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return k < s.size() ? static_cast<unsigned char>(s[k]) : 0u; };
  if (byte(i) == 0xC2 && byte(i + 1) >= 0x80 && byte(i + 1) <= 0x9F) return 2;
  if (byte(i) == 0xE2 && byte(i + 1) == 0x80 && (byte(i + 2) == 0xA8 || byte(i + 2) == 0xA9)) {
    return 3;
  }
  if (byte(i) == 0xEF && byte(i + 1) == 0xBB && byte(i + 2) == 0xBF) return 3;
  return 0;
}

bool HasSpecialUnicode(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (SpecialUnicodeAt(s, i) != 0) return true;
  }
  return false;
}

bool NeedsQuotes(std::string_view s) {
  if (s.empty() || s == "<<") return true;  // "<<" unquoted would be a merge key
  if (!ResolvePlainScalar(s).is_string()) return true;
  unsigned char first = s.front();
  if (std::string_view("?:,[]{}#&*!|>'\"%@`").find(static_cast<char>(first)) !=
      std::string_view::npos) {
    return true;
  }
  if (first == '-' && (s.size() == 1 || s[1] == ' ' || s.substr(0, 3) == "---")) return true;
  if (s.substr(0, 3) == "...") return true;
  if (first == ' ' || s.back() == ' ' || s.back() == ':') return true;
  if (s.find(": ") != std::string_view::npos || s.find(" #") != std::string_view::npos) {
    return true;
  }
  for (unsigned char c : s) {
    if (IsControl(c)) return true;
  }
  return HasSpecialUnicode(s);
}

void AppendDoubleQuoted(std::string_view s, std::string& out) {
  out.push_back('"');
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = s[i];
    if (size_t special = SpecialUnicodeAt(s, i); special != 0) {
      // Decode the 2- or 3-byte UTF-8 sequence and write it as an escape.
      unsigned code = special == 2
                          ? ((c & 0x1Fu) << 6) | (s[i + 1] & 0x3Fu)
                          : ((c & 0x0Fu) << 12) | ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu);
      out += fmt::format("\\u{:04X}", code);
      i += special - 1;
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (IsControl(c)) {
          constexpr char kHex[] = "0123456789abcdef";
          out += "\\x";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xf]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

// A literal block keeps multi-line text readable (scripts, config files in ConfigMaps).
bool FitsLiteralBlock(std::string_view s) {
  if (s.find('\n') == std::string_view::npos) return false;
  // Text of line breaks only would be chomped away.
  if (s.find_first_not_of('\n') == std::string_view::npos) return false;
  for (unsigned char c : s) {
    if (IsControl(c) && c != '\n' && c != '\t') return false;
  }
  if (HasSpecialUnicode(s)) return false;
  // A line that is only spaces, or trailing spaces, would not survive some editors and
  // confuses readers; a tab at a line start is not allowed as indentation.
  size_t line_start = 0;
  while (line_start <= s.size()) {
    size_t end = s.find('\n', line_start);
    if (end == std::string_view::npos) end = s.size();
    std::string_view line = s.substr(line_start, end - line_start);
    if (!line.empty() && (line.back() == ' ' || line.front() == '\t')) return false;
    line_start = end + 1;
  }
  return true;
}

void AppendLiteralBlock(std::string_view s, int indent, std::string& out) {
  out += "|";
  if (s.front() == ' ' || s.front() == '\n') out += std::to_string(kIndentStep);
  size_t trailing = 0;
  while (trailing < s.size() && s[s.size() - 1 - trailing] == '\n') ++trailing;
  if (trailing == 0) {
    out += "-";
  } else if (trailing > 1) {
    out += "+";
  }
  out += "\n";
  std::string_view body = s.substr(0, s.size() - (trailing > 0 ? 1 : 0));
  std::string pad(static_cast<size_t>(indent + kIndentStep), ' ');
  size_t line_start = 0;
  while (line_start <= body.size()) {
    size_t end = body.find('\n', line_start);
    if (end == std::string_view::npos) end = body.size();
    std::string_view line = body.substr(line_start, end - line_start);
    if (!line.empty()) {
      out += pad;
      out += line;
    }
    out += "\n";
    line_start = end + 1;
  }
}

void AppendNumber(double d, std::string& out) {
  if (std::isnan(d)) {
    out += ".nan";
  } else if (std::isinf(d)) {
    out += d > 0 ? ".inf" : "-.inf";
  } else if (d == 0 && std::signbit(d)) {
    out += "-0.0";  // "-0" would read back as the integer 0
  } else {
    char buffer[32];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, d);
    out.append(buffer, end);
  }
}

void AppendString(std::string_view s, std::string& out) {
  if (NeedsQuotes(s)) {
    AppendDoubleQuoted(s, out);
  } else {
    out += s;
  }
}

// Appends a scalar or an empty collection, without a newline.
void AppendInline(const Value& v, std::string& out) {
  switch (v.type()) {
    case Value::Type::kNull:
      out += "null";
      break;
    case Value::Type::kBool:
      out += v.as_bool() ? "true" : "false";
      break;
    case Value::Type::kInt:
      out += std::to_string(v.as_int());
      break;
    case Value::Type::kDouble:
      AppendNumber(v.as_double(), out);
      break;
    case Value::Type::kString:
      AppendString(v.as_string(), out);
      break;
    case Value::Type::kArray:
      out += "[]";
      break;
    case Value::Type::kObject:
      out += "{}";
      break;
  }
}

bool IsBlock(const Value& v) { return (v.is_array() || v.is_object()) && !v.empty(); }

void AppendMapping(const Value::Object& members, int indent, bool continue_line, std::string& out);
void AppendSequence(const Value::Array& items, int indent, bool continue_line, std::string& out);

// Appends what follows "key:" or "- ": a scalar on the same line or a block below.
void AppendAfterIndicator(const Value& v, int indent, bool in_sequence, std::string& out) {
  if (v.is_string() && FitsLiteralBlock(v.as_string())) {
    out += in_sequence ? "" : " ";
    AppendLiteralBlock(v.as_string(), indent, out);
    return;
  }
  if (!IsBlock(v)) {
    if (!in_sequence) out += " ";
    AppendInline(v, out);
    out += "\n";
    return;
  }
  if (in_sequence) {
    // "- key: value" and "- - item": the first line continues after the dash.
    if (v.is_object()) {
      AppendMapping(v.as_object(), indent + kIndentStep, true, out);
    } else {
      AppendSequence(v.as_array(), indent + kIndentStep, true, out);
    }
    return;
  }
  out += "\n";
  if (v.is_object()) {
    AppendMapping(v.as_object(), indent + kIndentStep, false, out);
  } else {
    AppendSequence(v.as_array(), indent, false, out);
  }
}

void AppendMapping(const Value::Object& members, int indent, bool continue_line, std::string& out) {
  bool first = true;
  for (const auto& [key, value] : members) {
    if (!(first && continue_line)) out.append(static_cast<size_t>(indent), ' ');
    first = false;
    std::string rendered_key;
    AppendString(key, rendered_key);
    if (rendered_key.size() > kMaxImplicitKeyLength) {
      // YAML limits implicit keys to 1024 characters; longer ones need "? key" form.
      out += "? " + rendered_key + "\n";
      out.append(static_cast<size_t>(indent), ' ');
    } else {
      out += rendered_key;
    }
    out += ":";
    AppendAfterIndicator(value, indent, false, out);
  }
}

void AppendSequence(const Value::Array& items, int indent, bool continue_line, std::string& out) {
  bool first = true;
  for (const Value& item : items) {
    if (!(first && continue_line)) out.append(static_cast<size_t>(indent), ' ');
    first = false;
    out += "- ";
    AppendAfterIndicator(item, indent, true, out);
  }
}

}  // namespace

std::string EmitYaml(const Value& value) {
  std::string out;
  if (value.is_object() && !value.empty()) {
    AppendMapping(value.as_object(), 0, false, out);
  } else if (value.is_array() && !value.empty()) {
    AppendSequence(value.as_array(), 0, false, out);
  } else {
    AppendInline(value, out);
    out += "\n";
  }
  return out;
}

std::string EmitYamlStream(const std::vector<Value>& documents) {
  std::string out;
  bool first = true;
  for (const Value& doc : documents) {
    if (!first) out += "---\n";
    first = false;
    out += EmitYaml(doc);
  }
  return out;
}

}  // namespace capstan
