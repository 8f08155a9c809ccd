// ParseProbe: a container's probe with Kubernetes' defaults and validation.
#include <fmt/format.h>

#include <cctype>

#include "target/local/pod/internal/fields.h"
#include "target/local/pod/probe.h"

namespace capstan::target::local {

namespace {

using internal::Child;
using internal::Problems;
using internal::Quote;

constexpr std::string_view kProbeFields =
    "a probe may have httpGet, tcpSocket or exec, initialDelaySeconds, periodSeconds, "
    "timeoutSeconds, successThreshold, failureThreshold, terminationGracePeriodSeconds";

bool AllDigits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (std::isdigit(static_cast<unsigned char>(c)) == 0) return false;
  }
  return true;
}

// The names of the container's ports, for the message about a name none has.
std::string PortNames(const Value& container) {
  std::string names;
  const Value* ports = container.Find("ports");
  if (ports == nullptr || !ports->is_array()) return names;
  for (const Value& port : ports->as_array()) {
    std::string_view name = port.StringAt({"name"});
    if (!name.empty()) names += (names.empty() ? "" : ", ") + std::string(name);
  }
  return names;
}

// A port number or the name of one of the container's ports (an IntOrString).
int ResolvePort(const Value& handler, std::string_view path, const Value& container,
                Problems& problems) {
  std::string field = Child(path, "port");
  const Value* port = handler.Find("port");
  if (port == nullptr || port->is_null()) {
    problems.Add(field, "required");
    return 0;
  }
  int64_t number = 0;
  if (port->is_int()) {
    number = port->as_int();
  } else if (port->is_string() && AllDigits(port->as_string()) && port->as_string().size() < 6) {
    number = std::stoi(port->as_string());
  } else if (port->is_string()) {
    const Value* ports = container.Find("ports");
    if (ports != nullptr && ports->is_array()) {
      for (const Value& candidate : ports->as_array()) {
        const Value* container_port = candidate.Find("containerPort");
        if (candidate.StringAt({"name"}) == port->as_string() && container_port != nullptr &&
            container_port->is_int()) {
          return static_cast<int>(container_port->as_int());
        }
      }
    }
    std::string names = PortNames(container);
    problems.Add(field, fmt::format("{} is not the name of a port of this container ({})",
                                    Quote(port->as_string()),
                                    names.empty() ? "it names none" : "it has " + names));
    return 0;
  } else {
    problems.Add(field, "expected a port number or name");
    return 0;
  }
  if (number < 1 || number > 65535) {
    problems.Add(field, fmt::format("{} must be between 1 and 65535, inclusive", number));
    return 0;
  }
  return static_cast<int>(number);
}

void ReadHttpGet(const Value& http, std::string_view path, const Value& container, ProbeSpec& spec,
                 Problems& problems) {
  internal::CheckKnownFields(http, path, {"path", "port", "host", "scheme", "httpHeaders"},
                             "httpGet may have path, port, host, scheme, httpHeaders", problems);
  spec.handler = ProbeHandler::kHttpGet;
  spec.path = internal::ReadString(http, "path", path, problems);
  spec.host = internal::ReadString(http, "host", path, problems);
  spec.port = ResolvePort(http, path, container, problems);
  std::string scheme = internal::ReadString(http, "scheme", path, problems);
  if (!scheme.empty() && scheme != "HTTP" && scheme != "HTTPS") {
    problems.Add(
        Child(path, "scheme"),
        fmt::format("Unsupported value: {}: supported values: \"HTTP\", \"HTTPS\"", Quote(scheme)));
  } else if (!scheme.empty()) {
    spec.scheme = scheme;
  }
  const Value::Array* headers = internal::ReadArray(http, "httpHeaders", path, problems);
  if (headers == nullptr) return;
  std::string headers_path = Child(path, "httpHeaders");
  for (size_t i = 0; i < headers->size(); ++i) {
    std::string header_path = internal::Index(headers_path, i);
    const Value& header = (*headers)[i];
    internal::CheckKnownFields(header, header_path, {"name", "value"},
                               "a header has name and value", problems);
    HttpHeader parsed{internal::ReadString(header, "name", header_path, problems),
                      internal::ReadString(header, "value", header_path, problems)};
    bool valid = !parsed.name.empty();
    for (char c : parsed.name)
      valid = valid &&
              (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.');
    for (char c : parsed.value) valid = valid && c != '\r' && c != '\n';
    if (!valid) {
      problems.Add(Child(header_path, "name"),
                   fmt::format("{} is not a valid HTTP header", Quote(parsed.name)));
      continue;
    }
    spec.http_headers.push_back(std::move(parsed));
  }
}

// A count that defaults when 0 or missing; negative is invalid.
int ReadCount(const Value& probe, std::string_view key, std::string_view path, int fallback,
              Problems& problems) {
  std::optional<int64_t> value = internal::ReadInt(probe, key, path, problems);
  if (!value || *value == 0) return fallback;
  if (*value < 0 || *value > 1'000'000'000) {
    problems.Add(Child(path, key), fmt::format("{} must be greater than or equal to 0", *value));
    return fallback;
  }
  return static_cast<int>(*value);
}

}  // namespace

std::string_view ProbeTypeName(ProbeType type) {
  switch (type) {
    case ProbeType::kStartup:
      return "Startup";
    case ProbeType::kReadiness:
      return "Readiness";
    case ProbeType::kLiveness:
      return "Liveness";
  }
  return "Probe";
}

std::string_view ProbeFieldName(ProbeType type) {
  switch (type) {
    case ProbeType::kStartup:
      return "startupProbe";
    case ProbeType::kReadiness:
      return "readinessProbe";
    case ProbeType::kLiveness:
      return "livenessProbe";
  }
  return "probe";
}

Result<ProbeSpec> ParseProbe(const Value& probe, ProbeType type, const Value& container,
                             std::string_view field) {
  Problems problems;
  ProbeSpec spec;
  spec.type = type;
  if (!probe.is_object()) return Error::Invalid(fmt::format("{}: expected a map", field));
  internal::CheckKnownFields(
      probe, field,
      {"exec", "httpGet", "tcpSocket", "grpc", "initialDelaySeconds", "periodSeconds",
       "timeoutSeconds", "successThreshold", "failureThreshold", "terminationGracePeriodSeconds"},
      kProbeFields, problems);
  int handlers = 0;
  for (std::string_view handler : {"exec", "httpGet", "tcpSocket", "grpc"}) {
    const Value* value = probe.Find(handler);
    if (value != nullptr && !value->is_null()) ++handlers;
  }
  if (handlers == 0)
    problems.Add(field, "must specify a handler type (httpGet, tcpSocket or exec)");
  if (handlers > 1) problems.Add(field, "may not specify more than 1 handler type");

  if (probe.Contains("grpc")) {
    problems.Unsupported(Child(field, "grpc"), "it runs httpGet, tcpSocket and exec probes");
  }
  if (const Value* http = internal::ReadObject(probe, "httpGet", field, problems)) {
    ReadHttpGet(*http, Child(field, "httpGet"), container, spec, problems);
  }
  if (const Value* tcp = internal::ReadObject(probe, "tcpSocket", field, problems)) {
    std::string path = Child(field, "tcpSocket");
    internal::CheckKnownFields(*tcp, path, {"port", "host"}, "tcpSocket may have port, host",
                               problems);
    spec.handler = ProbeHandler::kTcpSocket;
    spec.host = internal::ReadString(*tcp, "host", path, problems);
    spec.port = ResolvePort(*tcp, path, container, problems);
  }
  if (const Value* exec = internal::ReadObject(probe, "exec", field, problems)) {
    std::string path = Child(field, "exec");
    internal::CheckKnownFields(*exec, path, {"command"}, "exec has command", problems);
    spec.handler = ProbeHandler::kExec;
    spec.command = internal::ReadStrings(*exec, "command", path, problems);
    const Value* command = exec->Find("command");
    if (command == nullptr || command->empty()) problems.Add(Child(path, "command"), "required");
  }

  std::optional<int64_t> delay = internal::ReadInt(probe, "initialDelaySeconds", field, problems);
  if (delay && *delay < 0) {
    problems.Add(Child(field, "initialDelaySeconds"),
                 fmt::format("{} must be greater than or equal to 0", *delay));
  } else if (delay) {
    spec.initial_delay_seconds = static_cast<int>(std::min<int64_t>(*delay, 1'000'000'000));
  }
  spec.period_seconds =
      ReadCount(probe, "periodSeconds", field, kDefaultProbePeriodSeconds, problems);
  spec.timeout_seconds =
      ReadCount(probe, "timeoutSeconds", field, kDefaultProbeTimeoutSeconds, problems);
  spec.success_threshold = ReadCount(probe, "successThreshold", field, 1, problems);
  spec.failure_threshold =
      ReadCount(probe, "failureThreshold", field, kDefaultProbeFailureThreshold, problems);
  if (type != ProbeType::kReadiness && spec.success_threshold != 1) {
    problems.Add(Child(field, "successThreshold"),
                 fmt::format("Invalid value: {}: must be 1", spec.success_threshold));
  }
  std::optional<int64_t> grace =
      internal::ReadInt(probe, "terminationGracePeriodSeconds", field, problems);
  if (grace && type == ProbeType::kReadiness) {
    problems.Add(Child(field, "terminationGracePeriodSeconds"),
                 "must not be set for readinessProbes");
  } else if (grace && *grace <= 0) {
    problems.Add(Child(field, "terminationGracePeriodSeconds"),
                 fmt::format("{} must be greater than 0", *grace));
  } else {
    spec.termination_grace_period_seconds = grace;
  }
  if (!problems.empty()) return Error::Invalid(problems.Join());
  return spec;
}

}  // namespace capstan::target::local
