// Minimal leveled logging to stderr. Messages must never contain secret values.
#pragma once

#include <fmt/format.h>

#include <string_view>

namespace capstan {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

// Messages below this level are dropped. Default kWarning for the CLI.
void SetLogLevel(LogLevel level);

enum class LogFormat {
  kText,  // "capstan info: message" (default)
  kJson,  // one object per line: {"time":"2026-...Z","level":"info","msg":"..."}
};
void SetLogFormat(LogFormat format);
bool LogEnabled(LogLevel level);
void LogLine(LogLevel level, std::string_view message);

template <typename... Args>
void Log(LogLevel level, fmt::format_string<Args...> format, Args&&... args) {
  if (LogEnabled(level)) LogLine(level, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace capstan
