#include "render/kustomize/hash_suffix.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "core/hash.h"
#include "core/json.h"

namespace capstan::render::kustomize {
namespace {

// Decodes one UTF-8 sequence at text[i]; returns its length, or 0 when invalid.
size_t Utf8Length(std::string_view text, size_t i, uint32_t* code) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char c = byte(i);
  size_t length = c < 0x80           ? 1
                  : (c >> 5) == 0x6  ? 2
                  : (c >> 4) == 0xE  ? 3
                  : (c >> 3) == 0x1E ? 4
                                     : 0;
  if (length == 0 || i + length > text.size()) return 0;
  uint32_t value = length == 1 ? c : c & (0xFF >> (length + 1));
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    value = (value << 6) | (byte(i + k) & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (value < kMin[length] || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return 0;
  *code = value;
  return length;
}

void AppendGoString(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          // Go escapes the other control characters, and <, > and & for HTML safety.
          if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            out += "\\u00";
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0xF]);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    uint32_t code = 0;
    size_t length = Utf8Length(text, i, &code);
    if (length == 0) {
      out += "\\ufffd";  // Go replaces invalid UTF-8 with U+FFFD
      ++i;
    } else if (code == 0x2028 || code == 0x2029) {
      out += fmt::format("\\u{:04x}", code);
      i += length;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  out.push_back('"');
}

// Go prints a float64 in the shortest form that reads back, in exponent form below 1e-6
// and from 1e21 up.
std::string GoFloat(double d) {
  if (std::isnan(d) || std::isinf(d)) return "null";
  double magnitude = std::fabs(d);
  if (magnitude != 0 && (magnitude < 1e-6 || magnitude >= 1e21)) {
    std::string s = fmt::format("{:e}", d);
    return s;
  }
  return fmt::format("{}", d);
}

void AppendGoJson(std::string& out, const Value& value) {
  switch (value.type()) {
    case Value::Type::kNull:
      out += "null";
      break;
    case Value::Type::kBool:
      out += value.as_bool() ? "true" : "false";
      break;
    case Value::Type::kInt:
      out += std::to_string(value.as_int());
      break;
    case Value::Type::kDouble:
      out += GoFloat(value.as_double());
      break;
    case Value::Type::kString:
      AppendGoString(out, value.as_string());
      break;
    case Value::Type::kArray: {
      out.push_back('[');
      bool first = true;
      for (const Value& element : value.as_array()) {
        if (!first) out.push_back(',');
        first = false;
        AppendGoJson(out, element);
      }
      out.push_back(']');
      break;
    }
    case Value::Type::kObject: {
      std::vector<const Value::Member*> members;
      for (const auto& member : value.as_object()) members.push_back(&member);
      std::sort(members.begin(), members.end(),
                [](const auto* a, const auto* b) { return a->first < b->first; });
      out.push_back('{');
      bool first = true;
      for (const auto* member : members) {
        if (!first) out.push_back(',');
        first = false;
        AppendGoString(out, member->first);
        out.push_back(':');
        AppendGoJson(out, member->second);
      }
      out.push_back('}');
      break;
    }
  }
}

// kustomize reads each field as a map when it is one, else as its scalar text.
Value FieldForHash(const Value& object, std::string_view field) {
  const Value* value = object.Find(field);
  if (value == nullptr || value->is_null()) return Value(std::string());
  if (value->is_object() || value->is_array()) return *value;
  if (value->is_string()) return *value;
  std::string text = EmitJson(*value);
  return Value(text);
}

std::string EncodeSuffix(const std::string& hex) {
  std::string suffix = hex.substr(0, 10);
  for (char& c : suffix) {
    switch (c) {
      case '0':
        c = 'g';
        break;
      case '1':
        c = 'h';
        break;
      case '3':
        c = 'k';
        break;
      case 'a':
        c = 'm';
        break;
      case 'e':
        c = 't';
        break;
      default:
        break;
    }
  }
  return suffix;
}

}  // namespace

std::string GoJson(const Value& value) {
  std::string out;
  AppendGoJson(out, value);
  return out;
}

Result<std::string> NameHashSuffix(const Value& object) {
  std::string_view kind = object.StringAt({"kind"});
  Value document = Value::MakeObject();
  if (kind == "ConfigMap") {
    document.Set("kind", "ConfigMap");
    document.Set("name", "");
    document.Set("data", FieldForHash(object, "data"));
    if (const Value* binary = object.Find("binaryData"); binary && binary->is_object()) {
      document.Set("binaryData", *binary);
    }
  } else if (kind == "Secret") {
    document.Set("kind", "Secret");
    document.Set("name", "");
    document.Set("type", FieldForHash(object, "type"));
    document.Set("data", FieldForHash(object, "data"));
    if (const Value* string_data = object.Find("stringData");
        string_data && string_data->is_object()) {
      document.Set("stringData", *string_data);
    }
  } else {
    return Error::Invalid(fmt::format("{} {}: only ConfigMaps and Secrets get a name hash suffix",
                                      kind, object.StringAt({"metadata", "name"})));
  }
  return EncodeSuffix(Sha256Hex(GoJson(document)));
}

}  // namespace capstan::render::kustomize
