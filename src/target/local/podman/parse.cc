#include "target/local/podman/internal/parse.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdint>

#include "core/json.h"
#include "core/time.h"
#include "core/value.h"

namespace capstan::target::local::podman_internal {

namespace {

using TimePoint = std::chrono::system_clock::time_point;

constexpr std::string_view kSource = "podman output";

std::string Str(const Value& object, std::string_view key) {
  const Value* value = object.Find(key);
  return value != nullptr && value->is_string() ? value->as_string() : std::string();
}

int64_t Int(const Value& object, std::string_view key) {
  const Value* value = object.Find(key);
  if (value == nullptr || !value->is_number()) return 0;
  return value->is_int() ? value->as_int() : static_cast<int64_t>(value->as_double());
}

bool Bool(const Value& object, std::string_view key) {
  const Value* value = object.Find(key);
  return value != nullptr && value->is_bool() && value->as_bool();
}

std::map<std::string, std::string> Labels(const Value* labels) {
  std::map<std::string, std::string> out;
  if (labels == nullptr || !labels->is_object()) return out;
  for (const auto& [key, value] : labels->as_object()) {
    if (value.is_string()) out[key] = value.as_string();
  }
  return out;
}

// podman ps gives times as Unix seconds; Go's zero time is a large negative number.
std::optional<TimePoint> FromUnix(int64_t seconds) {
  if (seconds <= 0) return std::nullopt;
  return std::chrono::system_clock::from_time_t(static_cast<std::time_t>(seconds));
}

Result<Value> Parse(std::string_view json) {
  auto value = ParseJson(json, kSource);
  if (!value.ok()) return std::move(value).error().Wrap("reading podman's JSON");
  return value;
}

Result<const Value::Array*> ParseArray(const Value& value, std::string_view what) {
  if (value.is_null()) {
    static const Value::Array kEmpty;
    return &kEmpty;
  }
  if (!value.is_array()) return Error::Internal(fmt::format("{}: expected a JSON array", what));
  return &value.as_array();
}

ListedPod PodFrom(const Value& pod, std::string_view infra_key, std::string_view status_key) {
  ListedPod listed;
  listed.state.name = Str(pod, "Name");
  listed.state.id = Str(pod, "Id");
  listed.state.labels = Labels(pod.Find("Labels"));
  listed.infra_id = Str(pod, infra_key);
  listed.status = Str(pod, status_key);
  return listed;
}

// One line of `podman logs --timestamps`: its time in nanoseconds and its text.
struct LogLine {
  int64_t nanos = 0;
  std::string_view text;  // with its newline
};

int64_t Nanos(std::string_view stamp, int64_t previous) {
  auto time = ParseTimestamp(stamp);
  if (!time) return previous;
  return std::chrono::duration_cast<std::chrono::nanoseconds>(time->time_since_epoch()).count();
}

std::vector<LogLine> SplitLog(std::string_view data) {
  std::vector<LogLine> lines;
  int64_t previous = 0;
  while (!data.empty()) {
    size_t end = data.find('\n');
    std::string_view line = data.substr(0, end == std::string_view::npos ? data.size() : end + 1);
    data.remove_prefix(line.size());
    size_t space = line.find(' ');
    if (space != std::string_view::npos) {
      int64_t nanos = Nanos(line.substr(0, space), -1);
      if (nanos >= 0) {
        previous = nanos;
        lines.push_back({nanos, line.substr(space + 1)});
        continue;
      }
    }
    lines.push_back({previous, line});  // no time stamp: keeps its neighbour's place
  }
  return lines;
}

}  // namespace

std::optional<TimePoint> ParseTimestamp(std::string_view text) {
  auto seconds = ParseRfc3339(text);
  if (!seconds || seconds->time_since_epoch().count() <= 0) return std::nullopt;
  int64_t nanos = 0;
  if (text.size() > 19 && text[19] == '.') {
    int digits = 0;
    for (size_t i = 20; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
      if (digits++ < 9) nanos = nanos * 10 + (text[i] - '0');
    }
    for (; digits < 9; ++digits) nanos *= 10;
  }
  return *seconds + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                        std::chrono::nanoseconds(nanos));
}

std::string NormalizeState(std::string_view state) {
  std::string lower(state);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "configured" || lower == "initialized" || lower == "created") return "created";
  if (lower == "stopped" || lower == "exited") return "exited";
  if (lower == "running" || lower == "paused" || lower == "stopping" || lower == "removing") {
    return lower;
  }
  return "unknown";
}

Result<std::vector<ContainerState>> ParseContainerList(std::string_view json) {
  auto value = Parse(json);
  if (!value.ok()) return std::move(value).error();
  auto array = ParseArray(*value, "podman ps");
  if (!array.ok()) return std::move(array).error();
  std::vector<ContainerState> containers;
  for (const Value& item : **array) {
    if (Bool(item, "IsInfra")) continue;
    ContainerState state;
    state.id = Str(item, "Id");
    if (const Value* names = item.Find("Names"); names != nullptr && names->is_array() &&
                                                 !names->as_array().empty() &&
                                                 names->as_array().front().is_string()) {
      state.name = names->as_array().front().as_string();
    }
    state.pod = Str(item, "PodName");
    state.image = Str(item, "Image");
    state.labels = Labels(item.Find("Labels"));
    state.state = NormalizeState(Str(item, "State"));
    state.exit_code = static_cast<int>(Int(item, "ExitCode"));
    state.started_at = FromUnix(Int(item, "StartedAt"));
    if (state.state == "exited") state.finished_at = FromUnix(Int(item, "ExitedAt"));
    containers.push_back(std::move(state));
  }
  std::sort(containers.begin(), containers.end(),
            [](const ContainerState& a, const ContainerState& b) { return a.name < b.name; });
  return containers;
}

Result<std::vector<InspectedContainer>> ParseContainerInspect(std::string_view json) {
  auto value = Parse(json);
  if (!value.ok()) return std::move(value).error();
  auto array = ParseArray(*value, "podman container inspect");
  if (!array.ok()) return std::move(array).error();
  std::vector<InspectedContainer> out;
  for (const Value& item : **array) {
    InspectedContainer inspected;
    ContainerState& state = inspected.state;
    state.id = Str(item, "Id");
    state.name = Str(item, "Name");
    state.image = Str(item, "ImageName");
    if (const Value* config = item.Find("Config")) state.labels = Labels(config->Find("Labels"));
    if (const Value* s = item.Find("State"); s != nullptr && s->is_object()) {
      state.state = NormalizeState(Str(*s, "Status"));
      state.exit_code = static_cast<int>(Int(*s, "ExitCode"));
      state.oom_killed = Bool(*s, "OOMKilled");
      state.started_at = ParseTimestamp(Str(*s, "StartedAt"));
      if (state.state == "exited") state.finished_at = ParseTimestamp(Str(*s, "FinishedAt"));
      state.error = Str(*s, "Error");
    } else {
      state.state = "unknown";
    }
    inspected.pod_id = Str(item, "Pod");
    inspected.static_dir = Str(item, "StaticDir");
    if (const Value* net = item.Find("NetworkSettings"); net != nullptr && net->is_object()) {
      inspected.ip = Str(*net, "IPAddress");
      // On a named network the address is only under Networks.<name>.
      if (const Value* networks = net->Find("Networks");
          inspected.ip.empty() && networks != nullptr && networks->is_object()) {
        for (const auto& [name, network] : networks->as_object()) {
          inspected.ip = Str(network, "IPAddress");
          if (!inspected.ip.empty()) break;
        }
      }
    }
    out.push_back(std::move(inspected));
  }
  return out;
}

Result<ListedPod> ParsePodInspect(std::string_view json) {
  auto value = Parse(json);
  if (!value.ok()) return std::move(value).error();
  const Value* pod = &*value;
  if (pod->is_array()) {
    if (pod->as_array().size() != 1) {
      return Error::Internal("podman pod inspect: expected one pod");
    }
    pod = &pod->as_array().front();
  }
  if (!pod->is_object()) return Error::Internal("podman pod inspect: expected a JSON object");
  return PodFrom(*pod, "InfraContainerID", "State");
}

Result<std::vector<ListedPod>> ParsePodList(std::string_view json) {
  auto value = Parse(json);
  if (!value.ok()) return std::move(value).error();
  auto array = ParseArray(*value, "podman pod ps");
  if (!array.ok()) return std::move(array).error();
  std::vector<ListedPod> pods;
  for (const Value& item : **array) pods.push_back(PodFrom(item, "InfraId", "Status"));
  std::sort(pods.begin(), pods.end(),
            [](const ListedPod& a, const ListedPod& b) { return a.state.name < b.state.name; });
  return pods;
}

std::string MergeLogs(std::string_view stdout_data, std::string_view stderr_data,
                      size_t max_bytes) {
  std::vector<LogLine> out = SplitLog(stdout_data);
  std::vector<LogLine> err = SplitLog(stderr_data);
  std::vector<LogLine> merged;
  merged.reserve(out.size() + err.size());
  // Both are in time order already; on a tie stdout comes first.
  std::merge(out.begin(), out.end(), err.begin(), err.end(), std::back_inserter(merged),
             [](const LogLine& a, const LogLine& b) { return a.nanos < b.nanos; });
  size_t total = 0;
  for (const LogLine& line : merged) total += line.text.size();
  std::string text;
  text.reserve(std::min(total, max_bytes));
  size_t skip = total > max_bytes ? total - max_bytes : 0;
  for (const LogLine& line : merged) {
    if (skip >= line.text.size()) {
      skip -= line.text.size();
      continue;
    }
    text.append(line.text.substr(skip));
    skip = 0;
  }
  if (total > max_bytes) {
    // Drop the partial first line when a whole line follows it.
    size_t newline = text.find('\n');
    if (newline != std::string::npos && newline + 1 < text.size()) text.erase(0, newline + 1);
  }
  return text;
}

Error PodmanError(std::string_view what, const ProcessResult& result) {
  std::string detail = TrimProgramOutput(result.stderr_data, 2048);
  // podman starts every message with "Error: "; the context says that already.
  for (std::string_view prefix : {"Error: ", "error: "}) {
    if (detail.rfind(prefix, 0) == 0) detail.erase(0, prefix.size());
  }
  while (!detail.empty() && std::isspace(static_cast<unsigned char>(detail.front()))) {
    detail.erase(0, 1);
  }
  if (detail.empty()) detail = "podman " + result.Describe();
  std::string lower = detail;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string message = fmt::format("{}: {}", what, detail);
  for (std::string_view needle :
       {"no such container", "no such pod", "no such object", "no container with name or id",
        "no pod with name or id", "image not known", "no such image"}) {
    if (lower.find(needle) != std::string::npos) return Error::NotFound(std::move(message));
  }
  for (std::string_view needle : {"already in use", "already exists"}) {
    if (lower.find(needle) != std::string::npos) return Error::Conflict(std::move(message));
  }
  return Error::Unavailable(std::move(message));
}

}  // namespace capstan::target::local::podman_internal
