#include "render/kustomize/kv_sources.h"

#include <fmt/format.h>

#include <algorithm>
#include <regex>
#include <vector>

namespace capstan::render::kustomize {
namespace {

constexpr size_t kMaxKeyLength = 253;

struct Pair {
  std::string key, value, origin;
};

std::string RemoveQuotes(std::string value) {
  if (value.size() >= 2 && value.front() == value.back() &&
      (value.front() == '"' || value.front() == '\'')) {
    return value.substr(1, value.size() - 2);
  }
  return value;
}

bool IsEnvVarName(const std::string& name) {
  static const std::regex kPattern("[-._a-zA-Z][-._a-zA-Z0-9]*");
  return std::regex_match(name, kPattern);
}

Status CheckKey(const std::string& key, const std::string& where) {
  static const std::regex kPattern("[-._a-zA-Z0-9]+");
  if (key.empty() || key.size() > kMaxKeyLength || !std::regex_match(key, kPattern) || key == "." ||
      key == ".." || key.starts_with("..")) {
    return Error::Invalid(fmt::format(
        "{}: invalid key \"{}\": keys must consist of alphanumeric characters, '-', '_' or '.'",
        where, key));
  }
  return OkStatus();
}

Status EnvFilePairs(std::string_view text, const std::string& where, std::vector<Pair>& out) {
  size_t line_number = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line_number == 1 && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);
    size_t first = line.find_first_not_of(" \t\v\f\r");
    if (first == std::string_view::npos) continue;
    line.remove_prefix(first);
    if (line.front() == '#') continue;
    size_t equals = line.find('=');
    std::string key(line.substr(0, equals));
    std::string value =
        equals == std::string_view::npos ? "" : std::string(line.substr(equals + 1));
    if (!IsEnvVarName(key)) {
      return Error::Invalid(
          fmt::format("{} line {}: \"{}\" is not a valid variable name", where, line_number, key));
    }
    out.push_back(Pair{key, value, fmt::format("{} line {}", where, line_number)});
  }
  return OkStatus();
}

std::string BaseName(std::string_view path) {
  size_t slash = path.find_last_of('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

}  // namespace

Result<std::map<std::string, std::string>> LoadKeyValues(const GeneratorArgs& args,
                                                         const FileLoader& loader,
                                                         std::string_view field) {
  std::string where = fmt::format("{}: {} {}", loader.file(), field, args.name);
  std::vector<Pair> pairs;
  for (const auto& env : args.envs) {
    auto text = loader.Read(env, fmt::format("{}.envs", field));
    if (!text.ok()) return std::move(text).error();
    CAPSTAN_TRY(EnvFilePairs(*text, fmt::format("{}: env file {}", where, env), pairs));
  }
  for (const auto& literal : args.literals) {
    size_t equals = literal.find('=');
    if (equals == 0 || equals == std::string::npos) {
      return Error::Invalid(
          fmt::format("{}: literal \"{}\" must have the form key=value", where, literal));
    }
    pairs.push_back(Pair{literal.substr(0, equals), RemoveQuotes(literal.substr(equals + 1)),
                         fmt::format("{}: literal \"{}\"", where, literal)});
  }
  for (const auto& source : args.files) {
    size_t separators = std::count(source.begin(), source.end(), '=');
    std::string key, path;
    if (separators == 0) {
      key = BaseName(source);
      path = source;
    } else if (separators == 1 && source.front() != '=' && source.back() != '=') {
      size_t equals = source.find('=');
      key = source.substr(0, equals);
      path = source.substr(equals + 1);
    } else {
      return Error::Invalid(fmt::format(
          "{}: file source \"{}\" must be a path or key=path (one '=', key and path non-empty)",
          where, source));
    }
    auto text = loader.Read(path, fmt::format("{}.files", field));
    if (!text.ok()) return std::move(text).error();
    pairs.push_back(Pair{key, std::move(*text), fmt::format("{}: file \"{}\"", where, source)});
  }
  std::map<std::string, std::string> result;
  for (auto& pair : pairs) {
    CAPSTAN_TRY(CheckKey(pair.key, pair.origin));
    if (result.contains(pair.key)) {
      return Error::Conflict(fmt::format("{}: key \"{}\" is given twice", pair.origin, pair.key));
    }
    result.emplace(std::move(pair.key), std::move(pair.value));
  }
  return result;
}

}  // namespace capstan::render::kustomize
