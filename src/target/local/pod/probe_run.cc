// RunProbe: one httpGet, tcpSocket or exec probe, with the kubelet's results and messages
// (pkg/probe/http, tcp, exec and the prober's event texts).
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <memory>

#include "target/local/pod/internal/net.h"
#include "target/local/pod/probe.h"

namespace capstan::target::local {

namespace {

using internal::Deadline;
using internal::IoError;
using internal::Stream;
using Result = ProbeOutcome::Result;

// What the kubelet sends as User-Agent ("kube-probe/<major>.<minor>"); some applications
// recognise probes by it.
constexpr std::string_view kProbeUserAgent = "kube-probe/1.30";
// The kubelet stops after this many redirects (Go's default CheckRedirect).
constexpr int kMaxRedirects = 10;
// Response headers larger than this are refused.
constexpr size_t kMaxHeaderBytes = 64u * 1024;
// Exec output kept, as the kubelet's exec prober (maxReadLength).
constexpr size_t kMaxExecOutput = 10u * 1024;

struct Url {
  std::string scheme;  // "http" or "https"
  std::string host;    // without brackets
  int port = 0;
  std::string authority;  // as the Host header carries it: "10.88.0.5:8080", "example.com"
  std::string path;       // path and query as written; "" means "/"

  std::string ToString() const { return scheme + "://" + authority + path; }
};

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && Lower(text.substr(0, prefix.size())) == prefix;
}

// The request target: the path with spaces and control bytes escaped, "/" when empty.
std::string RequestTarget(std::string_view path) {
  std::string out = path.empty() || path[0] != '/' ? "/" : "";
  for (char c : path) {
    auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f) {
      out += fmt::format("%{:02X}", byte);
    } else {
      out += c;
    }
  }
  return out;
}

// Parses "host[:port]" / "[v6]:port" of an absolute URL; false when malformed.
bool ParseAuthority(std::string_view authority, int default_port, Url& url) {
  url.authority = std::string(authority);
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return false;
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return false;
      port = authority.substr(close + 2);
    }
  } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return false;
  url.host = std::string(host);
  url.port = default_port;
  if (!port.empty()) {
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) {
          return std::isdigit(static_cast<unsigned char>(c)) != 0;
        })) {
      return false;
    }
    url.port = std::stoi(std::string(port));
  }
  return url.port > 0 && url.port < 65536;
}

// Resolves a Location header against the URL that answered with it.
std::optional<Url> ResolveLocation(const Url& base, std::string_view location) {
  Url url = base;
  if (StartsWithNoCase(location, "http://") || StartsWithNoCase(location, "https://") ||
      location.substr(0, 2) == "//") {
    size_t scheme_end = location.find("//");
    std::string scheme = scheme_end == 0 ? base.scheme : Lower(location.substr(0, scheme_end - 1));
    std::string_view rest = location.substr(scheme_end + 2);
    size_t path_start = rest.find_first_of("/?");
    std::string_view authority = rest.substr(0, path_start);
    url.scheme = scheme;
    if (!ParseAuthority(authority, scheme == "https" ? 443 : 80, url)) return std::nullopt;
    url.path = path_start == std::string_view::npos ? "" : std::string(rest.substr(path_start));
    return url;
  }
  if (!location.empty() && location[0] == '/') {
    url.path = std::string(location);
    return url;
  }
  std::string directory = base.path.substr(0, base.path.find('?'));
  if (!location.empty() && location[0] == '?') {
    url.path = directory + std::string(location);
    return url;
  }
  size_t slash = directory.rfind('/');
  directory = slash == std::string::npos ? "/" : directory.substr(0, slash + 1);
  url.path = directory + std::string(location);
  return url;
}

struct HttpResponse {
  int status = 0;
  std::string location;
};

// The value of header `name` (lower-case) in a raw header block, "" when absent.
std::string HeaderValue(std::string_view headers, std::string_view name) {
  size_t line_start = 0;
  while (line_start < headers.size()) {
    size_t line_end = headers.find('\n', line_start);
    if (line_end == std::string_view::npos) line_end = headers.size();
    std::string_view line = headers.substr(line_start, line_end - line_start);
    size_t colon = line.find(':');
    if (colon != std::string_view::npos && Lower(line.substr(0, colon)) == name) {
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.remove_prefix(1);
      while (!value.empty() && (value.back() == '\r' || value.back() == ' '))
        value.remove_suffix(1);
      return std::string(value);
    }
    line_start = line_end + 1;
  }
  return {};
}

// One GET; an error text in Go's words (without the `Get "url": ` prefix) on failure.
std::optional<std::string> Get(const Url& url, const ProbeSpec& spec, bool keep_host_header,
                               Deadline deadline, HttpResponse& response) {
  constexpr std::string_view kTimeout =
      "context deadline exceeded (Client.Timeout exceeded while awaiting headers)";
  std::optional<IoError> error;
  std::unique_ptr<Stream> stream = Stream::Dial(url.host, url.port, deadline, error);
  if (stream == nullptr) return error->timeout ? std::string(kTimeout) : error->text;
  if (url.scheme == "https") {
    // Like Go, no SNI for an IP address.
    if (auto tls = stream->StartTls(internal::IsIpLiteral(url.host) ? "" : url.host, deadline)) {
      return tls->timeout ? std::string(kTimeout) : tls->text;
    }
  }
  std::string host_header = url.authority;
  std::string user_agent(kProbeUserAgent);
  std::optional<std::string> accept = "*/*";
  std::string extra;
  for (const HttpHeader& header : spec.http_headers) {
    std::string name = Lower(header.name);
    if (name == "host") {
      if (keep_host_header) host_header = header.value;
    } else if (name == "user-agent") {
      user_agent = header.value;
    } else if (name == "accept") {
      accept = header.value.empty() ? std::nullopt : std::optional<std::string>(header.value);
    } else {
      extra += header.name + ": " + header.value + "\r\n";
    }
  }
  std::string request = "GET " + RequestTarget(url.path) + " HTTP/1.1\r\nHost: " + host_header +
                        "\r\nUser-Agent: " + user_agent + "\r\n";
  if (accept) request += "Accept: " + *accept + "\r\n";
  request += extra + "Connection: close\r\n\r\n";
  if (auto write = stream->WriteAll(request, deadline)) {
    return write->timeout ? std::string(kTimeout) : write->text;
  }

  std::string buffer;
  size_t header_end = std::string::npos;
  while ((header_end = buffer.find("\r\n\r\n")) == std::string::npos &&
         buffer.find("\n\n") == std::string::npos) {
    if (buffer.size() > kMaxHeaderBytes) {
      return fmt::format("net/http: server response headers exceeded {} bytes; aborted",
                         kMaxHeaderBytes);
    }
    bool eof = false;
    if (auto read = stream->Read(buffer, eof, deadline)) {
      return read->timeout ? std::string(kTimeout) : read->text;
    }
    if (eof) {
      if (buffer.empty()) return std::string("EOF");
      break;  // a response without a body separator still has a status line
    }
  }
  std::string_view head(buffer);
  std::string_view status_line = head.substr(0, head.find('\n'));
  if (!status_line.empty() && status_line.back() == '\r') status_line.remove_suffix(1);
  if (status_line.substr(0, 7) != "HTTP/1." || status_line.size() < 12 || status_line[8] != ' ' ||
      !std::isdigit(static_cast<unsigned char>(status_line[9])) ||
      !std::isdigit(static_cast<unsigned char>(status_line[10])) ||
      !std::isdigit(static_cast<unsigned char>(status_line[11]))) {
    return fmt::format(
        "net/http: HTTP/1.x transport connection broken: malformed HTTP response "
        "\"{}\"",
        status_line.substr(0, 64));
  }
  response.status = std::stoi(std::string(status_line.substr(9, 3)));
  response.location = HeaderValue(head.substr(0, header_end), "location");
  return std::nullopt;
}

bool IsFollowedRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

ProbeOutcome Outcome(const ProbeSpec& spec, Result result, std::string output) {
  ProbeOutcome outcome;
  outcome.result = result;
  outcome.output = std::move(output);
  if (result == Result::kFailure) {
    outcome.message = fmt::format("{} probe failed: {}", ProbeTypeName(spec.type), outcome.output);
  } else if (result == Result::kError) {
    outcome.message = fmt::format("{} probe errored: {}", ProbeTypeName(spec.type), outcome.output);
  }
  return outcome;
}

ProbeOutcome RunHttp(const ProbeSpec& spec, const std::string& host) {
  Deadline deadline = std::chrono::steady_clock::now() + std::chrono::seconds(spec.timeout_seconds);
  Url url;
  url.scheme = Lower(spec.scheme);
  url.host = host;
  url.port = spec.port;
  url.authority = internal::JoinHostPort(host, spec.port);
  url.path = spec.path;
  const std::string first_host = url.host;
  bool keep_host_header = true;
  for (int requests = 1;; ++requests) {
    HttpResponse response;
    if (auto error = Get(url, spec, keep_host_header, deadline, response)) {
      return Outcome(spec, Result::kFailure, fmt::format("Get \"{}\": {}", url.ToString(), *error));
    }
    if (IsFollowedRedirect(response.status) && !response.location.empty()) {
      std::optional<Url> next = ResolveLocation(url, response.location);
      if (!next) {
        return Outcome(spec, Result::kFailure,
                       fmt::format("Get \"{}\": failed to parse Location header \"{}\"",
                                   url.ToString(), response.location));
      }
      // The kubelet follows redirects on the probed host only; any other stops here and
      // the redirect itself is the (successful, warned) answer.
      if (next->host == first_host) {
        if (requests >= kMaxRedirects) {
          // Go's client names the Location as written in this error.
          return Outcome(spec, Result::kFailure,
                         fmt::format("Get \"{}\": stopped after {} redirects", response.location,
                                     kMaxRedirects));
        }
        // Go keeps a Host header across redirects to a Location without a scheme.
        keep_host_header = !StartsWithNoCase(response.location, "http://") &&
                           !StartsWithNoCase(response.location, "https://");
        url = *next;
        continue;
      }
    }
    if (response.status >= 200 && response.status < 400) {
      if (response.status >= 300) {
        ProbeOutcome outcome;
        outcome.result = Result::kSuccess;
        outcome.output = "Probe terminated redirects, Response body: ";
        outcome.message =
            fmt::format("{} probe warning: {}", ProbeTypeName(spec.type), outcome.output);
        return outcome;
      }
      return Outcome(spec, Result::kSuccess, "");
    }
    return Outcome(spec, Result::kFailure,
                   fmt::format("HTTP probe failed with statuscode: {}", response.status));
  }
}

ProbeOutcome RunTcp(const ProbeSpec& spec, const std::string& host) {
  Deadline deadline = std::chrono::steady_clock::now() + std::chrono::seconds(spec.timeout_seconds);
  std::optional<IoError> error;
  std::unique_ptr<Stream> stream = Stream::Dial(host, spec.port, deadline, error);
  if (stream == nullptr) return Outcome(spec, Result::kFailure, error->text);
  return Outcome(spec, Result::kSuccess, "");
}

ProbeOutcome RunExec(const ProbeSpec& spec, const ExecFunction& exec) {
  if (!exec) return Outcome(spec, Result::kError, "no way to run commands in the container");
  capstan::Result<ExecResult> ran = exec(spec.command, std::chrono::seconds(spec.timeout_seconds));
  if (!ran.ok()) return Outcome(spec, Result::kError, ran.error().message());
  if (ran->timed_out) {
    std::string joined;
    for (const std::string& part : spec.command) joined += (joined.empty() ? "" : " ") + part;
    return Outcome(spec, Result::kFailure, fmt::format("command \"{}\" timed out", joined));
  }
  std::string output = ran->output.substr(0, kMaxExecOutput);
  return Outcome(spec, ran->exit_code == 0 ? Result::kSuccess : Result::kFailure, output);
}

}  // namespace

ProbeOutcome RunProbe(const ProbeSpec& spec, const std::string& pod_ip, const ExecFunction& exec) {
  if (spec.handler == ProbeHandler::kExec) return RunExec(spec, exec);
  std::string host = spec.host.empty() ? pod_ip : spec.host;
  if (host.empty()) return Outcome(spec, Result::kError, "the pod has no IP address yet");
  if (spec.handler == ProbeHandler::kHttpGet) return RunHttp(spec, host);
  return RunTcp(spec, host);
}

}  // namespace capstan::target::local
