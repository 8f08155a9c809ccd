#include "target/kube/internal/watch_stream.h"

#include "core/json.h"
#include "target/kube/internal/api_error.h"

namespace capstan::target::kube {

Status LineSplitter::Feed(std::string_view chunk,
                          const std::function<bool(std::string_view)>& on_line) {
  while (!chunk.empty()) {
    size_t newline = chunk.find('\n');
    if (newline == std::string_view::npos) {
      if (partial_.size() + chunk.size() > max_line_bytes_) {
        return Error::Invalid("watch: an event is longer than " + std::to_string(max_line_bytes_) +
                              " bytes");
      }
      partial_.append(chunk);
      return OkStatus();
    }
    std::string_view piece = chunk.substr(0, newline);
    chunk.remove_prefix(newline + 1);
    if (partial_.size() + piece.size() > max_line_bytes_) {
      return Error::Invalid("watch: an event is longer than " + std::to_string(max_line_bytes_) +
                            " bytes");
    }
    std::string_view line = piece;
    if (!partial_.empty()) {
      partial_.append(piece);
      line = partial_;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    bool go_on = line.empty() || on_line(line);
    partial_.clear();
    if (!go_on) return OkStatus();
  }
  return OkStatus();
}

Result<RawWatchEvent> ParseWatchEvent(std::string_view line) {
  Result<Value> parsed = ParseJson(line, "watch event");
  if (!parsed.ok()) return std::move(parsed).error();
  std::string_view type = parsed->StringAt({"type"});
  RawWatchEvent event;
  if (type == "ADDED") {
    event.type = RawWatchEvent::Type::kAdded;
  } else if (type == "MODIFIED") {
    event.type = RawWatchEvent::Type::kModified;
  } else if (type == "DELETED") {
    event.type = RawWatchEvent::Type::kDeleted;
  } else if (type == "BOOKMARK") {
    event.type = RawWatchEvent::Type::kBookmark;
  } else if (type == "ERROR") {
    event.type = RawWatchEvent::Type::kError;
  } else {
    return Error::Invalid("watch event: unknown type \"" + std::string(type) + "\"");
  }
  Value* object = parsed->Find("object");
  if (object == nullptr || !object->is_object()) {
    return Error::Invalid("watch event: " + std::string(type) + " without an object");
  }
  event.object = std::move(*object);
  return event;
}

long ErrorEventCode(const RawWatchEvent& event) {
  if (event.type != RawWatchEvent::Type::kError) return 0;
  const Value* code = event.object.Find("code");
  return code != nullptr && code->is_int() ? static_cast<long>(code->as_int()) : 0;
}

Result<WatchStep> DecodeWatchLine(std::string_view line, const std::string& api_version,
                                  const std::string& kind, const std::string& what) {
  constexpr long kGone = 410;
  Result<RawWatchEvent> event = ParseWatchEvent(line);
  if (!event.ok()) return std::move(event).error().Wrap(what);
  using Type = RawWatchEvent::Type;
  WatchStep step;
  if (event->type == Type::kError) {
    long code = ErrorEventCode(*event);
    if (code == kGone) {
      step.kind = WatchStep::Kind::kGone;
      return step;
    }
    return ErrorFromResponse(code, EmitJson(event->object), what);
  }
  step.resource_version = std::string(event->object.StringAt({"metadata", "resourceVersion"}));
  if (event->type == Type::kBookmark) {
    step.kind = WatchStep::Kind::kBookmark;
    return step;
  }
  // Watch events, like list items, may leave these out.
  if (!event->object.Contains("apiVersion")) event->object.Set("apiVersion", api_version);
  if (!event->object.Contains("kind")) event->object.Set("kind", kind);
  step.event.type = event->type == Type::kAdded      ? WatchEvent::Type::kAdded
                    : event->type == Type::kModified ? WatchEvent::Type::kModified
                                                     : WatchEvent::Type::kDeleted;
  step.event.object = std::move(event->object);
  return step;
}

}  // namespace capstan::target::kube
