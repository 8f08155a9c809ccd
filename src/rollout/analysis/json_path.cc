// The part of Kubernetes JSONPath (k8s.io/client-go/util/jsonpath) that web metrics use:
// one `{...}` template holding a path of fields and indices from the root.
#include <charconv>
#include <string>

#include "rollout/analysis/providers.h"

namespace capstan::rollout::analysis {
namespace {

constexpr size_t kMaxJsonPathBytes = 1024;

Error Invalid(std::string_view text, std::string_view why) {
  return Error::Invalid("unsupported jsonPath \"" + std::string(text) + "\": " + std::string(why) +
                        " (capstan reads $, .field, [index] and ['field'])");
}

bool IsFieldChar(char c) {
  return c != '.' && c != '[' && c != ']' && c != '{' && c != '}' && c != ' ' && c != '\t' &&
         c != '*' && c != '@' && c != '?' && c != '(' && c != ')' && c != ',' && c != '\'' &&
         c != '"' && c != '$';
}

}  // namespace

Result<JsonPath> JsonPath::Parse(std::string_view text) {
  if (text.size() > kMaxJsonPathBytes) return Invalid(text.substr(0, 40), "too long");
  std::string_view body = text;
  while (!body.empty() && body.front() == ' ') body.remove_prefix(1);
  while (!body.empty() && body.back() == ' ') body.remove_suffix(1);
  if (body.size() < 2 || body.front() != '{' || body.back() != '}') {
    return Invalid(text, "expected one {...} expression such as {$.data.ok}");
  }
  body = body.substr(1, body.size() - 2);
  JsonPath path;
  path.text_ = std::string(text);
  size_t i = 0;
  if (i < body.size() && body[i] == '$') ++i;
  if (i == 0 && body == ".") return path;  // {.} is the root
  while (i < body.size()) {
    char c = body[i];
    if (c == '.') {
      ++i;
      if (i < body.size() && body[i] == '.')
        return Invalid(text, "recursive descent (..) is not supported");
      size_t start = i;
      while (i < body.size() && IsFieldChar(body[i])) ++i;
      if (i == start) return Invalid(text, "expected a field name after '.'");
      path.steps_.push_back(Step{std::string(body.substr(start, i - start)), 0, false});
    } else if (c == '[') {
      size_t close = body.find(']', i);
      if (close == std::string_view::npos) return Invalid(text, "unclosed '['");
      std::string_view inside = body.substr(i + 1, close - i - 1);
      if (inside.size() >= 2 && (inside.front() == '\'' || inside.front() == '"') &&
          inside.back() == inside.front()) {
        path.steps_.push_back(Step{std::string(inside.substr(1, inside.size() - 2)), 0, false});
      } else {
        int64_t index = 0;
        auto parsed = std::from_chars(inside.data(), inside.data() + inside.size(), index);
        if (inside.empty() || parsed.ec != std::errc() ||
            parsed.ptr != inside.data() + inside.size()) {
          return Invalid(text, "[" + std::string(inside) + "] is not an index or a quoted field");
        }
        path.steps_.push_back(Step{"", index, true});
      }
      i = close + 1;
    } else {
      return Invalid(text, std::string("unexpected '") + c + "'");
    }
  }
  return path;
}

Result<const Value*> JsonPath::Find(const Value& root) const {
  const Value* at = &root;
  std::string walked;
  for (const Step& step : steps_) {
    if (step.is_index) {
      walked += "[" + std::to_string(step.index) + "]";
      if (!at->is_array()) return Error::NotFound(walked + " is not found: not an array");
      auto size = static_cast<int64_t>(at->as_array().size());
      int64_t position = step.index < 0 ? size + step.index : step.index;
      if (position < 0 || position >= size) {
        return Error::NotFound(walked + " is not found: array index out of bounds (length " +
                               std::to_string(size) + ")");
      }
      at = &at->as_array()[static_cast<size_t>(position)];
    } else {
      walked += (walked.empty() ? "" : ".") + step.field;
      const Value* next = at->Find(step.field);
      if (next == nullptr) return Error::NotFound(walked + " is not found");
      at = next;
    }
  }
  return at;
}

}  // namespace capstan::rollout::analysis
