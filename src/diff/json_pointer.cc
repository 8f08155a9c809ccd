// RFC 6901 JSON pointers, as Argo CD's ignoreDifferences jsonPointers use them.
#include <fmt/format.h>

#include <charconv>
#include <string>
#include <vector>

#include "diff/internal/steps.h"

namespace capstan::diff::internal {
namespace {

Result<std::vector<std::string>> SplitPointer(std::string_view pointer) {
  if (pointer.empty() || pointer[0] != '/') {
    return Error::Invalid(fmt::format("JSON pointer \"{}\" must start with \"/\"", pointer));
  }
  std::vector<std::string> tokens;
  std::string token;
  for (size_t i = 1; i <= pointer.size(); ++i) {
    if (i == pointer.size() || pointer[i] == '/') {
      tokens.push_back(std::move(token));
      token.clear();
      continue;
    }
    if (pointer[i] != '~') {
      token += pointer[i];
      continue;
    }
    char next = i + 1 < pointer.size() ? pointer[i + 1] : '\0';
    if (next != '0' && next != '1') {
      return Error::Invalid(
          fmt::format("JSON pointer \"{}\": \"~\" must be followed by 0 or 1", pointer));
    }
    token += next == '0' ? '~' : '/';
    ++i;
  }
  return tokens;
}

std::optional<size_t> ArrayIndex(std::string_view token, size_t size) {
  size_t index = 0;
  auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), index);
  if (error != std::errc() || end != token.data() + token.size() || token.empty()) {
    return std::nullopt;
  }
  if (token.size() > 1 && token[0] == '0') return std::nullopt;  // RFC 6901: no leading zeros
  if (index >= size) return std::nullopt;
  return index;
}

}  // namespace

Result<bool> RemoveJsonPointer(Value& root, std::string_view pointer) {
  auto tokens = SplitPointer(pointer);
  if (!tokens.ok()) return std::move(tokens).error();
  Value* current = &root;
  for (size_t i = 0; i < tokens->size(); ++i) {
    const std::string& token = (*tokens)[i];
    bool last = i + 1 == tokens->size();
    if (current->is_object()) {
      if (last) return current->Erase(token);
      current = current->Find(token);
    } else if (current->is_array()) {
      auto index = ArrayIndex(token, current->size());
      if (!index) return false;
      auto& elements = current->as_array();
      if (last) {
        elements.erase(elements.begin() + static_cast<std::ptrdiff_t>(*index));
        return true;
      }
      current = &elements[*index];
    } else {
      return false;
    }
    if (current == nullptr) return false;
  }
  return false;
}

}  // namespace capstan::diff::internal
