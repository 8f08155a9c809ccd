// Glob patterns for DirectoryOptions::include / exclude, matched against a path relative
// to the rendered folder with '/' separators:
//   *       any run of characters except '/'
//   **      any run of characters including '/'; "**/" also matches nothing, so
//           "**/*.yaml" matches "a.yaml" as well as "x/y/a.yaml"
//   ?       one character except '/'
//   [abc] [a-z] [!a-z] [^a-z]   one character of (or not of) a set
//   {a,b}   either alternative; alternatives may nest and hold other patterns
//   \x      the character x itself
// An unbalanced '[' or '{' is matched literally.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace capstan::render {

bool GlobMatch(std::string_view pattern, std::string_view path);

// Whether any of `patterns` matches `path`.
bool GlobMatchAny(const std::vector<std::string>& patterns, std::string_view path);

}  // namespace capstan::render
