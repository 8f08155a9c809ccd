// Label selectors with apimachinery's grammar and validation: keys are qualified names
// (optional DNS-subdomain prefix and "/"), values are label values (63 characters at most,
// alphanumerics with '-', '_' and '.' inside), `in`/`notin` take a parenthesised list,
// `>`/`<` take one integer.
#include <fmt/format.h>

#include <cctype>
#include <charconv>

#include "render/kustomize/selector_internal.h"

namespace capstan::render {
namespace {

constexpr size_t kMaxNameLength = 63;
constexpr size_t kMaxPrefixLength = 253;

bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// [A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?, up to 63 characters.
bool IsLabelName(std::string_view s) {
  if (s.empty() || s.size() > kMaxNameLength) return false;
  if (!IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  for (char c : s) {
    if (!IsAlnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

bool IsDnsSubdomain(std::string_view s) {
  if (s.empty() || s.size() > kMaxPrefixLength) return false;
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    std::string_view part = s.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (part.empty() || !IsAlnum(part.front()) || !IsAlnum(part.back())) return false;
    for (char c : part) {
      if (!(std::islower(static_cast<unsigned char>(c)) ||
            std::isdigit(static_cast<unsigned char>(c)) || c == '-')) {
        return false;
      }
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool IsQualifiedName(std::string_view key) {
  size_t slash = key.find('/');
  if (slash == std::string_view::npos) return IsLabelName(key);
  return IsDnsSubdomain(key.substr(0, slash)) && IsLabelName(key.substr(slash + 1));
}

bool IsLabelValue(std::string_view v) { return v.empty() || IsLabelName(v); }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Splits on commas that are not inside parentheses.
std::vector<std::string_view> SplitRequirements(std::string_view text) {
  std::vector<std::string_view> out;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '(') ++depth;
    if (text[i] == ')') --depth;
    if (text[i] == ',' && depth == 0) {
      out.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  out.push_back(text.substr(start));
  return out;
}

bool IsKeyChar(char c) { return IsAlnum(c) || c == '-' || c == '_' || c == '.' || c == '/'; }

Result<LabelRequirement> ParseRequirement(std::string_view text) {
  using Op = LabelRequirement::Op;
  std::string_view rest = Trim(text);
  LabelRequirement req;
  auto bad = [&](std::string_view why) {
    return Error::Invalid(fmt::format("label selector requirement \"{}\": {}", Trim(text), why));
  };
  if (rest.empty()) return bad("is empty");
  bool negated = rest.front() == '!';
  if (negated) rest = Trim(rest.substr(1));
  size_t key_end = 0;
  while (key_end < rest.size() && IsKeyChar(rest[key_end])) ++key_end;
  req.key = std::string(rest.substr(0, key_end));
  if (!IsQualifiedName(req.key)) return bad(fmt::format("\"{}\" is not a valid key", req.key));
  rest = Trim(rest.substr(key_end));
  if (negated) {
    if (!rest.empty()) return bad("`!key` takes no operator");
    req.op = Op::kDoesNotExist;
    return req;
  }
  if (rest.empty()) {
    req.op = Op::kExists;
    return req;
  }
  auto starts = [&](std::string_view word) { return rest.substr(0, word.size()) == word; };
  if (starts("notin") || starts("in")) {
    bool notin = starts("notin");
    req.op = notin ? Op::kNotIn : Op::kIn;
    rest = Trim(rest.substr(notin ? 5 : 2));
    if (rest.size() < 2 || rest.front() != '(' || rest.back() != ')') {
      return bad("expected a list of values in parentheses");
    }
    std::string_view inner = rest.substr(1, rest.size() - 2);
    // "in ()" parses and selects nothing, as in apimachinery.
    if (Trim(inner).empty()) return req;
    size_t start = 0;
    while (true) {
      size_t comma = inner.find(',', start);
      std::string_view v =
          Trim(inner.substr(start, comma == std::string_view::npos ? comma : comma - start));
      if (!IsLabelValue(v)) return bad(fmt::format("\"{}\" is not a valid label value", v));
      req.values.emplace_back(v);
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    return req;
  }
  if (starts("==")) {
    req.op = Op::kEquals;
    rest = rest.substr(2);
  } else if (starts("!=")) {
    req.op = Op::kNotEquals;
    rest = rest.substr(2);
  } else if (starts("=")) {
    req.op = Op::kEquals;
    rest = rest.substr(1);
  } else if (starts(">") || starts("<")) {
    req.op = starts(">") ? Op::kGreater : Op::kLess;
    rest = rest.substr(1);
  } else {
    return bad(fmt::format("unknown operator \"{}\"", rest));
  }
  std::string_view v = Trim(rest);
  if (req.op == Op::kGreater || req.op == Op::kLess) {
    int64_t n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc() || end != v.data() + v.size()) {
      return bad(fmt::format("\"{}\" is not an integer", v));
    }
  } else if (!IsLabelValue(v) || v.find_first_of(" ,()") != std::string_view::npos) {
    return bad(fmt::format("\"{}\" is not a valid label value", v));
  }
  req.values.emplace_back(v);
  return req;
}

}  // namespace

Result<std::vector<LabelRequirement>> ParseLabelSelector(std::string_view text) {
  std::vector<LabelRequirement> out;
  if (Trim(text).empty()) return out;
  for (std::string_view part : SplitRequirements(text)) {
    auto req = ParseRequirement(part);
    if (!req.ok()) return std::move(req).error();
    out.push_back(std::move(*req));
  }
  return out;
}

bool LabelsMatch(const std::vector<LabelRequirement>& requirements, const Value* labels) {
  using Op = LabelRequirement::Op;
  for (const LabelRequirement& req : requirements) {
    const Value* v = labels != nullptr && labels->is_object() ? labels->Find(req.key) : nullptr;
    std::string text;
    if (v != nullptr) {
      if (v->is_string()) {
        text = v->as_string();
      } else if (v->is_int()) {
        text = std::to_string(v->as_int());
      } else if (v->is_bool()) {
        text = v->as_bool() ? "true" : "false";
      }
    }
    auto in_values = [&] {
      for (const std::string& want : req.values) {
        if (want == text) return true;
      }
      return false;
    };
    bool ok = false;
    switch (req.op) {
      case Op::kExists:
        ok = v != nullptr;
        break;
      case Op::kDoesNotExist:
        ok = v == nullptr;
        break;
      case Op::kEquals:
      case Op::kIn:
        ok = v != nullptr && in_values();
        break;
      case Op::kNotEquals:
      case Op::kNotIn:
        ok = v == nullptr || !in_values();
        break;
      case Op::kGreater:
      case Op::kLess: {
        int64_t have = 0, want = 0;
        auto r1 = std::from_chars(text.data(), text.data() + text.size(), have);
        std::from_chars(req.values[0].data(), req.values[0].data() + req.values[0].size(), want);
        ok = v != nullptr && r1.ec == std::errc() &&
             (req.op == Op::kGreater ? have > want : have < want);
        break;
      }
    }
    if (!ok) return false;
  }
  return true;
}

}  // namespace capstan::render
