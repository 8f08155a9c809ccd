// KubeClient::Watch: one watch request, its stream split into events.
#include "core/object.h"
#include "target/kube/internal/api_error.h"
#include "target/kube/internal/discovery.h"
#include "target/kube/internal/paths.h"
#include "target/kube/internal/transport.h"
#include "target/kube/internal/watch_stream.h"
#include "target/kube/kube.h"

namespace capstan::target::kube {
namespace {

// How much of a failed watch's body (a Status) is kept for the message.
constexpr size_t kMaxWatchErrorBody = 64u << 10;
constexpr long kGone = 410;

}  // namespace

Result<WatchEnd> KubeClient::Watch(const Selector& selector, const std::string& resource_version,
                                   const WatchCallback& callback, const std::stop_token& stop) {
  const std::string what = "watch " + selector.api_version + " " + selector.kind +
                           (selector.ns.empty() ? "" : " in " + selector.ns);
  Result<KindInfo> info = discovery_->Lookup(selector.api_version, selector.kind);
  if (!info.ok()) return std::move(info).error().Wrap(what);
  const std::string api_version = ApiVersionOf(*info);
  std::string path = CollectionPath(*info, selector.ns) +
                     "?watch=1&allowWatchBookmarks=true&timeoutSeconds=" +
                     std::to_string(options_.watch_timeout.count());
  if (!resource_version.empty()) path += "&resourceVersion=" + EscapeQuery(resource_version);
  if (!selector.label_selector.empty()) {
    path += "&labelSelector=" + EscapeQuery(selector.label_selector);
  }
  if (!selector.field_selector.empty()) {
    path += "&fieldSelector=" + EscapeQuery(selector.field_selector);
  }

  WatchEnd end{WatchEnd::Reason::kClosed, resource_version};
  std::optional<Error> failure;
  std::string error_body;
  LineSplitter splitter(options_.max_watch_line_bytes);

  auto on_line = [&](std::string_view line) -> bool {
    Result<WatchStep> step = DecodeWatchLine(line, api_version, info->kind, what);
    if (!step.ok()) {
      failure = std::move(step).error();
      return false;
    }
    if (!step->resource_version.empty()) end.resource_version = step->resource_version;
    switch (step->kind) {
      case WatchStep::Kind::kGone:
        end.reason = WatchEnd::Reason::kGone;
        return false;
      case WatchStep::Kind::kBookmark:
        return true;
      case WatchStep::Kind::kEvent:
        break;
    }
    if (!callback(step->event)) {
      end.reason = WatchEnd::Reason::kStopped;
      return false;
    }
    return true;
  };

  bool keep_going = true;
  auto on_data = [&](long status, std::string_view data) -> bool {
    if (status != 200) {
      size_t room = kMaxWatchErrorBody - std::min(kMaxWatchErrorBody, error_body.size());
      error_body.append(data.substr(0, room));
      return true;
    }
    Status fed = splitter.Feed(data, [&](std::string_view line) {
      keep_going = on_line(line);
      return keep_going;
    });
    if (!fed.ok()) {
      failure = std::move(fed).error().Wrap(what);
      return false;
    }
    return keep_going;
  };

  HttpRequest request{"GET", path, "", "application/json"};
  Result<long> status = transport_->Stream(request, on_data, stop);
  if (failure) return *failure;
  if (!status.ok()) return std::move(status).error().Wrap(what);
  if (stop.stop_requested()) end.reason = WatchEnd::Reason::kStopped;
  if (*status == kGone) {
    end.reason = WatchEnd::Reason::kGone;
  } else if (*status >= 400) {
    return ErrorFromResponse(*status, error_body, what);
  }
  return end;
}

}  // namespace capstan::target::kube
