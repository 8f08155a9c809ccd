#include "policy/internal/field_path.h"

#include <fmt/format.h>

#include <cctype>

#include "policy/internal/workload.h"

namespace capstan::policy::internal {
namespace {

constexpr size_t kMaxIndex = 1'000'000;

bool IsKeyChar(char c) {
  return c != '.' && c != '[' && c != ']' && c != '"' && c != '\'' &&
         !std::isspace(static_cast<unsigned char>(c));
}

Error At(size_t pos, std::string_view what) {
  return Error::Invalid(fmt::format("{} at column {}", what, pos + 1));
}

// Parses the bracket starting at text[pos] == '['; advances pos past the ']'.
Result<PathStep> ParseBracket(std::string_view text, size_t& pos) {
  size_t open = pos++;
  if (pos >= text.size()) return At(open, "unclosed \"[\"");
  PathStep step;
  if (text[pos] == '*') {
    step.kind = PathStep::Kind::kEvery;
    ++pos;
  } else if (text[pos] == '"' || text[pos] == '\'') {
    char quote = text[pos++];
    step.kind = PathStep::Kind::kKey;
    while (pos < text.size() && text[pos] != quote) {
      if (text[pos] == '\\' && pos + 1 < text.size()) ++pos;
      step.key += text[pos++];
    }
    if (pos >= text.size()) return At(open, "unterminated quoted key");
    ++pos;
  } else if (std::isdigit(static_cast<unsigned char>(text[pos]))) {
    step.kind = PathStep::Kind::kIndex;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
      step.index = step.index * 10 + static_cast<size_t>(text[pos++] - '0');
      if (step.index > kMaxIndex) return At(open, "index too large");
    }
  } else {
    return At(pos, "expected an index, * or a quoted key after \"[\"");
  }
  if (pos >= text.size() || text[pos] != ']') return At(pos, "expected \"]\"");
  ++pos;
  return step;
}

void Walk(const Value* node, const std::vector<PathStep>& steps, size_t i, std::string path,
          std::vector<FieldMatch>& out) {
  if (node != nullptr && node->is_null()) node = nullptr;
  if (i == steps.size()) {
    out.push_back({std::move(path), node});
    return;
  }
  const PathStep& step = steps[i];
  switch (step.kind) {
    case PathStep::Kind::kKey: {
      const Value* child = node != nullptr ? node->Find(step.key) : nullptr;
      std::string next = AppendKey(path, step.key);
      if (child == nullptr) {
        out.push_back({std::move(next), nullptr});
        return;
      }
      Walk(child, steps, i + 1, std::move(next), out);
      return;
    }
    case PathStep::Kind::kIndex: {
      std::string next = AppendIndex(path, step.index);
      if (node == nullptr || !node->is_array() || step.index >= node->size()) {
        out.push_back({std::move(next), nullptr});
        return;
      }
      Walk(&node->as_array()[step.index], steps, i + 1, std::move(next), out);
      return;
    }
    case PathStep::Kind::kEvery:
      if (node != nullptr && node->is_array()) {
        for (size_t k = 0; k < node->size(); ++k) {
          Walk(&node->as_array()[k], steps, i + 1, AppendIndex(path, k), out);
        }
      } else if (node != nullptr && node->is_object()) {
        for (const auto& [key, child] : node->as_object()) {
          Walk(&child, steps, i + 1, AppendKey(path, key), out);
        }
      } else {
        out.push_back({std::move(path), nullptr});
      }
      return;
  }
}

}  // namespace

Result<std::vector<PathStep>> ParseFieldPath(std::string_view text) {
  if (text.empty()) return Error::Invalid("empty path");
  std::vector<PathStep> steps;
  size_t pos = 0;
  bool need_key = true;  // at the start and after a '.'
  while (pos < text.size()) {
    char c = text[pos];
    if (c == '[') {
      if (need_key && !steps.empty()) return At(pos, "expected a key after \".\"");
      auto step = ParseBracket(text, pos);
      if (!step.ok()) return std::move(step).error();
      steps.push_back(std::move(step).value());
      need_key = false;
    } else if (c == '.') {
      if (need_key) return At(pos, "empty key");
      ++pos;
      need_key = true;
    } else if (IsKeyChar(c)) {
      if (!need_key) return At(pos, "expected \".\" or \"[\"");
      PathStep step;
      while (pos < text.size() && IsKeyChar(text[pos])) step.key += text[pos++];
      steps.push_back(std::move(step));
      need_key = false;
    } else {
      return At(pos, fmt::format("unexpected \"{}\"", c));
    }
  }
  if (need_key) return At(text.size() - 1, "path ends with \".\"");
  return steps;
}

std::vector<FieldMatch> ResolveFieldPath(const Value& root, const std::vector<PathStep>& steps) {
  std::vector<FieldMatch> out;
  Walk(&root, steps, 0, "", out);
  return out;
}

}  // namespace capstan::policy::internal
