// The wire format of a watch: newline-separated JSON events
// {"type":"ADDED|MODIFIED|DELETED|BOOKMARK|ERROR","object":{...}}.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/value.h"
#include "target/target.h"

namespace capstan::target::kube {

// Splits a byte stream, fed in arbitrary chunks, into lines (without the '\n'; a '\r'
// before it is dropped; empty lines are skipped). Not thread-safe.
class LineSplitter {
 public:
  explicit LineSplitter(size_t max_line_bytes) : max_line_bytes_(max_line_bytes) {}

  // Calls `on_line` for each complete line in `chunk` (with what earlier chunks left
  // over). Stops early when `on_line` returns false (then returns Ok). Invalid when a
  // line grows past max_line_bytes; the splitter must not be fed again after an error.
  Status Feed(std::string_view chunk, const std::function<bool(std::string_view)>& on_line);

  // Bytes of an unfinished line held back.
  size_t pending() const { return partial_.size(); }

 private:
  size_t max_line_bytes_;
  std::string partial_;
};

struct RawWatchEvent {
  enum class Type { kAdded, kModified, kDeleted, kBookmark, kError };
  Type type = Type::kAdded;
  Value object;  // for kError, a Status object
};

// Parses one event line. Invalid when it is not JSON or has an unknown type.
Result<RawWatchEvent> ParseWatchEvent(std::string_view line);

// The HTTP-like code of an ERROR event's Status (410 for "too old resource version"), or 0.
long ErrorEventCode(const RawWatchEvent& event);

// What one line of a watch stream means to the watcher.
struct WatchStep {
  enum class Kind {
    kEvent,     // deliver `event`
    kBookmark,  // nothing to deliver; resource_version moved on
    kGone,      // ERROR 410: the version watched from is too old; list again
  };
  Kind kind = Kind::kEvent;
  WatchEvent event;              // for kEvent, with apiVersion and kind filled in
  std::string resource_version;  // the event's or bookmark's; may be empty
};

// Decodes one line of a watch of `api_version`/`kind`. Errors: Invalid for a malformed
// line; an ERROR event other than 410 as its Status maps (ErrorFromResponse), prefixed
// with `what`.
Result<WatchStep> DecodeWatchLine(std::string_view line, const std::string& api_version,
                                  const std::string& kind, const std::string& what);

}  // namespace capstan::target::kube
