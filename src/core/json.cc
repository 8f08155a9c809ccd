#include "core/json.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <unordered_set>

namespace capstan {
namespace {

constexpr size_t kMaxJsonDepth = 200;

// Builds Values straight from nlohmann's SAX events: no intermediate DOM.
class ValueBuilder : public nlohmann::json_sax<nlohmann::json> {
 public:
  bool null() override { return Put(Value()); }
  bool boolean(bool b) override { return Put(Value(b)); }
  bool number_integer(number_integer_t n) override { return Put(Value(static_cast<int64_t>(n))); }
  bool number_unsigned(number_unsigned_t n) override {
    if (n > static_cast<number_unsigned_t>(INT64_MAX)) return Put(Value(static_cast<double>(n)));
    return Put(Value(static_cast<int64_t>(n)));
  }
  bool number_float(number_float_t d, const string_t& /*text*/) override { return Put(Value(d)); }
  bool string(string_t& s) override { return Put(Value(std::move(s))); }
  bool binary(binary_t& /*bin*/) override { return Fail("binary values are not JSON"); }
  bool start_object(std::size_t /*size*/) override { return Open(Value::MakeObject()); }
  bool key(string_t& k) override {
    Frame& top = stack_.back();
    if (!top.keys.insert(k).second) return Fail(fmt::format("duplicate key \"{}\"", k));
    top.key = std::move(k);
    return true;
  }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t /*size*/) override { return Open(Value::MakeArray()); }
  bool end_array() override { return Close(); }
  bool parse_error(std::size_t position, const std::string& /*token*/,
                   const nlohmann::detail::exception& ex) override {
    error_position_ = position;
    error_ = ex.what();
    // nlohmann's messages start with "[json.exception.parse_error.101] parse error at line
    // 1, column 5: "; keep only the part after the position.
    if (auto at = error_.rfind(": "); at != std::string::npos) error_ = error_.substr(at + 2);
    return false;
  }

  Value TakeRoot() { return std::move(root_); }
  const std::string& error() const { return error_; }
  size_t error_position() const { return error_position_; }
  void set_position(size_t position) { error_position_ = position; }

 private:
  struct Frame {
    Value node;
    std::string key;
    std::unordered_set<std::string> keys;
  };

  bool Fail(std::string message) {
    error_ = std::move(message);
    return false;
  }
  bool Open(Value node) {
    if (stack_.size() >= kMaxJsonDepth) {
      return Fail(fmt::format("nesting deeper than {} levels", kMaxJsonDepth));
    }
    stack_.push_back({std::move(node), {}, {}});
    return true;
  }
  bool Close() {
    Value node = std::move(stack_.back().node);
    stack_.pop_back();
    return Put(std::move(node));
  }
  bool Put(Value v) {
    if (stack_.empty()) {
      root_ = std::move(v);
    } else if (stack_.back().node.is_array()) {
      stack_.back().node.as_array().push_back(std::move(v));
    } else {
      stack_.back().node.as_object().emplace_back(std::move(stack_.back().key), std::move(v));
    }
    return true;
  }

  std::vector<Frame> stack_;
  Value root_;
  std::string error_;
  size_t error_position_ = 0;
};

std::pair<int, int> LineColumn(std::string_view text, size_t offset) {
  int line = 1;
  int column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

void AppendEscaped(std::string_view s, std::string& out) {
  out.push_back('"');
  for (unsigned char c : s) {
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
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          out += fmt::format("\\u{:04x}", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

void AppendJson(const Value& v, int indent, int depth, bool sorted, std::string& out) {
  auto newline = [&](int level) {
    if (indent < 0) return;
    out.push_back('\n');
    out.append(static_cast<size_t>(indent) * static_cast<size_t>(level), ' ');
  };
  switch (v.type()) {
    case Value::Type::kNull:
      out += "null";
      return;
    case Value::Type::kBool:
      out += v.as_bool() ? "true" : "false";
      return;
    case Value::Type::kInt:
      out += std::to_string(v.as_int());
      return;
    case Value::Type::kDouble: {
      double d = v.as_double();
      if (!std::isfinite(d)) {
        out += "null";  // JSON has no NaN or infinity
        return;
      }
      char buffer[32];
      auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, d);
      out.append(buffer, end);
      return;
    }
    case Value::Type::kString:
      AppendEscaped(v.as_string(), out);
      return;
    case Value::Type::kArray: {
      out.push_back('[');
      bool first = true;
      for (const Value& item : v.as_array()) {
        if (!first) out.push_back(',');
        first = false;
        newline(depth + 1);
        AppendJson(item, indent, depth + 1, sorted, out);
      }
      if (!v.empty()) newline(depth);
      out.push_back(']');
      return;
    }
    case Value::Type::kObject: {
      std::vector<const Value::Member*> members;
      members.reserve(v.size());
      for (const auto& member : v.as_object()) members.push_back(&member);
      if (sorted) {
        std::sort(members.begin(), members.end(),
                  [](const auto* a, const auto* b) { return a->first < b->first; });
      }
      out.push_back('{');
      bool first = true;
      for (const auto* member : members) {
        if (!first) out.push_back(',');
        first = false;
        newline(depth + 1);
        AppendEscaped(member->first, out);
        out += indent < 0 ? ":" : ": ";
        AppendJson(member->second, indent, depth + 1, sorted, out);
      }
      if (!v.empty()) newline(depth);
      out.push_back('}');
      return;
    }
  }
}

}  // namespace

Result<Value> ParseJson(std::string_view text, std::string_view source, size_t max_bytes) {
  if (text.size() > max_bytes) {
    return Error::Invalid(
        fmt::format("{}: {} bytes is over the limit of {} bytes", source, text.size(), max_bytes));
  }
  ValueBuilder builder;
  bool ok = nlohmann::json::sax_parse(text.begin(), text.end(), &builder,
                                      nlohmann::json::input_format_t::json, true);
  if (!ok) {
    auto [line, column] = LineColumn(text, builder.error_position());
    std::string message = builder.error().empty() ? "malformed JSON" : builder.error();
    return Error::Invalid(fmt::format("{}:{}:{}: {}", source, line, column, message));
  }
  return builder.TakeRoot();
}

std::string EmitJson(const Value& value, int indent) {
  std::string out;
  AppendJson(value, indent, 0, false, out);
  return out;
}

std::string EmitCanonicalJson(const Value& value) {
  std::string out;
  AppendJson(value, -1, 0, true, out);
  return out;
}

}  // namespace capstan
