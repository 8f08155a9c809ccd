#include "render/internal/glob.h"

#include <cstddef>

namespace capstan::render {
namespace {

// Index of the '}' closing the '{' at `open`, or npos.
size_t MatchingBrace(std::string_view pattern, size_t open) {
  int depth = 0;
  for (size_t i = open; i < pattern.size(); ++i) {
    if (pattern[i] == '\\') {
      ++i;
    } else if (pattern[i] == '{') {
      ++depth;
    } else if (pattern[i] == '}' && --depth == 0) {
      return i;
    }
  }
  return std::string_view::npos;
}

// Expands the first top-level {a,b} group, recursively, into plain patterns. Brace
// expansion first keeps the matcher below simple.
void ExpandBraces(std::string_view pattern, std::vector<std::string>& out) {
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\') {
      ++i;
      continue;
    }
    if (pattern[i] != '{') continue;
    size_t close = MatchingBrace(pattern, i);
    if (close == std::string_view::npos) break;
    std::string_view prefix = pattern.substr(0, i);
    std::string_view suffix = pattern.substr(close + 1);
    std::string_view body = pattern.substr(i + 1, close - i - 1);
    int depth = 0;
    size_t start = 0;
    for (size_t j = 0; j <= body.size(); ++j) {
      if (j < body.size() && body[j] == '\\') {
        ++j;
        continue;
      }
      if (j < body.size() && body[j] == '{') ++depth;
      if (j < body.size() && body[j] == '}') --depth;
      if (j == body.size() || (body[j] == ',' && depth == 0)) {
        std::string alternative(prefix);
        alternative += body.substr(start, j - start);
        alternative += suffix;
        ExpandBraces(alternative, out);
        start = j + 1;
      }
    }
    return;
  }
  out.emplace_back(pattern);
}

// Matches one character against the set starting at pattern[p] == '['. Sets `end` to the
// index after ']'; returns false with end = npos when the set is unterminated.
bool MatchSet(std::string_view pattern, size_t p, char c, size_t& end) {
  size_t i = p + 1;
  bool negate = i < pattern.size() && (pattern[i] == '!' || pattern[i] == '^');
  if (negate) ++i;
  bool matched = false;
  bool first = true;
  for (; i < pattern.size() && (first || pattern[i] != ']'); ++i, first = false) {
    char low = pattern[i];
    if (low == '\\' && i + 1 < pattern.size()) low = pattern[++i];
    char high = low;
    if (i + 2 < pattern.size() && pattern[i + 1] == '-' && pattern[i + 2] != ']') {
      i += 2;
      high = pattern[i];
      if (high == '\\' && i + 1 < pattern.size()) high = pattern[++i];
    }
    if (low <= c && c <= high) matched = true;
  }
  if (i >= pattern.size()) {
    end = std::string_view::npos;
    return false;
  }
  end = i + 1;
  return matched != negate && c != '/';
}

bool Match(std::string_view pattern, std::string_view path) {
  size_t p = 0;
  size_t s = 0;
  while (p < pattern.size()) {
    char c = pattern[p];
    if (c == '*') {
      bool double_star = p + 1 < pattern.size() && pattern[p + 1] == '*';
      if (double_star) {
        size_t rest = p + 2;
        // "**/" may also match nothing at all.
        if (rest < pattern.size() && pattern[rest] == '/' &&
            Match(pattern.substr(rest + 1), path.substr(s))) {
          return true;
        }
        for (size_t k = s; k <= path.size(); ++k) {
          if (Match(pattern.substr(rest), path.substr(k))) return true;
        }
        return false;
      }
      for (size_t k = s; k <= path.size(); ++k) {
        if (Match(pattern.substr(p + 1), path.substr(k))) return true;
        if (k < path.size() && path[k] == '/') break;
      }
      return false;
    }
    if (s >= path.size()) return false;
    if (c == '?') {
      if (path[s] == '/') return false;
    } else if (c == '[') {
      size_t end = 0;
      bool matched = MatchSet(pattern, p, path[s], end);
      if (end != std::string_view::npos) {
        if (!matched) return false;
        p = end;
        ++s;
        continue;
      }
      if (path[s] != '[') return false;  // unterminated: a literal '['
    } else {
      if (c == '\\' && p + 1 < pattern.size()) c = pattern[++p];
      if (path[s] != c) return false;
    }
    ++p;
    ++s;
  }
  return s == path.size();
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view path) {
  std::vector<std::string> alternatives;
  ExpandBraces(pattern, alternatives);
  for (const std::string& alternative : alternatives) {
    if (Match(alternative, path)) return true;
  }
  return false;
}

bool GlobMatchAny(const std::vector<std::string>& patterns, std::string_view path) {
  for (const std::string& pattern : patterns) {
    if (GlobMatch(pattern, path)) return true;
  }
  return false;
}

}  // namespace capstan::render
