// Container probes (readinessProbe, livenessProbe, startupProbe) as the kubelet runs them:
// the spec with Kubernetes' defaults, one probe run against the pod's address, and the state
// machine that turns results into "ready", "started" and "kill and restart".
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/value.h"

namespace capstan::target::local {

enum class ProbeType {
  kStartup,    // gates the other two until it succeeds; failing kills the container
  kReadiness,  // whether the container receives traffic (its Ready condition)
  kLiveness,   // failing kills the container, restarted per restartPolicy
};

// "Startup", "Readiness", "Liveness" as the kubelet's events spell them.
std::string_view ProbeTypeName(ProbeType type);
// "startupProbe", "readinessProbe", "livenessProbe": the container's field.
std::string_view ProbeFieldName(ProbeType type);

enum class ProbeHandler { kHttpGet, kTcpSocket, kExec };

struct HttpHeader {
  std::string name;
  std::string value;
};

// Kubernetes' defaults: initialDelaySeconds 0, periodSeconds 10, timeoutSeconds 1,
// successThreshold 1, failureThreshold 3 (a 0 in the manifest means the default, as the API
// server defaults it).
inline constexpr int kDefaultProbePeriodSeconds = 10;
inline constexpr int kDefaultProbeTimeoutSeconds = 1;
inline constexpr int kDefaultProbeFailureThreshold = 3;

struct ProbeSpec {
  ProbeType type = ProbeType::kReadiness;
  ProbeHandler handler = ProbeHandler::kTcpSocket;
  // httpGet and tcpSocket. `port` is resolved: a named port is the container's port of that
  // name. An empty host means the pod's IP.
  std::string host;
  int port = 0;
  // httpGet only. scheme is "HTTP" or "HTTPS" (TLS without certificate verification, as
  // the kubelet); path may carry a query ("/healthz?full=1"); empty means "/".
  std::string scheme = "HTTP";
  std::string path;
  std::vector<HttpHeader> http_headers;
  // exec only: run in the container through ExecFunction.
  std::vector<std::string> command;

  int initial_delay_seconds = 0;
  int period_seconds = kDefaultProbePeriodSeconds;
  int timeout_seconds = kDefaultProbeTimeoutSeconds;
  int success_threshold = 1;  // always 1 for liveness and startup
  int failure_threshold = kDefaultProbeFailureThreshold;
  // Probe-level grace period when this probe kills the container; nullopt: the pod's.
  std::optional<int64_t> termination_grace_period_seconds;
};

// Reads `probe` (a container's readinessProbe, livenessProbe or startupProbe) with
// `container` for named ports. `field` is the path used in errors
// ("spec.containers[0].livenessProbe"). Invalid, naming the field, for: no handler or more
// than one; grpc (the local target cannot speak gRPC); a field the local target does not know;
// a negative number; successThreshold other than 1 for liveness or startup; a port outside
// 1-65535 or a name no container port has.
Result<ProbeSpec> ParseProbe(const Value& probe, ProbeType type, const Value& container,
                             std::string_view field);

// What one run of a probe found.
struct ProbeOutcome {
  enum class Result {
    kSuccess,
    kFailure,
    // The probe could not be run (exec could not start): the kubelet throws such a result
    // away, so ProbeTracker ignores it.
    kError,
  };
  Result result = Result::kFailure;
  // The probe's own output, as the kubelet's prober returns it: for HTTP the failure
  // ("HTTP probe failed with statuscode: 500") or the transport error ("Get
  // \"http://10.88.0.5:8080/healthz\": dial tcp 10.88.0.5:8080: connect: connection refused");
  // for TCP "dial tcp 10.88.0.5:8080: connect: connection refused"; for exec the command's
  // output.
  std::string output;
  // The kubelet's event text, "" when there is nothing to say: "Readiness probe failed: HTTP
  // probe failed with statuscode: 500", "Liveness probe warning: Probe terminated redirects,
  // Response body: ...", "Startup probe errored: ...".
  std::string message;

  bool success() const { return result == Result::kSuccess; }
};

// Runs `command` in the probed container, killing it after `timeout`. The lead's kubelet
// passes one that runs `podman exec`.
struct ExecResult {
  int exit_code = 0;
  std::string output;      // stdout and stderr; the probe keeps the first 10 KiB
  bool timed_out = false;  // killed at the time-out: a failure `command "..." timed out`
};
// An Error means the command could not be run at all (the probe result is kError).
using ExecFunction = std::function<Result<ExecResult>(const std::vector<std::string>& command,
                                                      std::chrono::seconds timeout)>;

// Runs one probe now, blocking for at most about spec.timeout_seconds, with real I/O:
//   httpGet    GET scheme://host:port/path with User-Agent kube-probe/1.30 and Accept */*
//              (httpHeaders replace either), one connection, no keep-alive. 200-399 is
//              success. Redirects to the same host are followed (at most 10); a redirect to
//              another host is not, and counts as success with a warning, as the kubelet.
//              The response body is not read.
//   tcpSocket  connects and closes.
//   exec       `exec`; exit 0 is success.
// `pod_ip` is the host when spec.host is empty. Thread-safe; no shared state.
ProbeOutcome RunProbe(const ProbeSpec& spec, const std::string& pod_ip, const ExecFunction& exec);

// The probes of one container instance (a restarted container gets a new tracker), as the
// kubelet's probe workers keep them. Pure: time is a parameter. Not thread-safe.
//
// Timing: a probe is due first at startedAt + initialDelaySeconds, then periodSeconds after
// each run. Readiness and liveness are not run until the startup probe (if any) succeeded;
// readiness is due at once when it does.
// Results: a result counts once it repeats successThreshold (success) or failureThreshold
// (failure) times in a row.
//   readiness  starts not ready; ready after successThreshold successes in a row, not ready
//              again after failureThreshold failures. Without a readiness probe: ready once
//              started.
//   liveness   failureThreshold failures in a row -> should_restart.
//   startup    success -> started; failureThreshold failures in a row -> should_restart.
//              Without a startup probe: started at once.
// After should_restart no probe is due any more.
class ProbeTracker {
 public:
  ProbeTracker(std::optional<ProbeSpec> startup, std::optional<ProbeSpec> readiness,
               std::optional<ProbeSpec> liveness, std::chrono::system_clock::time_point started_at);

  // Whether `type` should run at `now`; false when the container has no such probe.
  bool Due(ProbeType type, std::chrono::system_clock::time_point now) const;
  // The earliest time any probe is due, nullopt when none will be (for the kubelet's timer).
  std::optional<std::chrono::system_clock::time_point> NextDue() const;
  // Counts one run of `type` that ended at `now`; kError results only reschedule it.
  void Record(ProbeType type, const ProbeOutcome& outcome,
              std::chrono::system_clock::time_point now);

  // REQUIRES: the container has a probe of `type`.
  const ProbeSpec& spec(ProbeType type) const;
  bool has(ProbeType type) const;

  bool started() const { return started_; }
  bool ready() const { return started_ && ready_; }
  // The liveness or startup probe failed failureThreshold times: kill the container (with
  // the probe's terminationGracePeriodSeconds when set) and restart it per restartPolicy.
  bool should_restart() const { return !restart_reason_.empty(); }
  // "Container web failed liveness probe, will be restarted" needs the name; this is
  // "liveness" or "startup", "" when should_restart() is false.
  const std::string& restart_reason() const { return restart_reason_; }

 private:
  struct Worker {
    std::optional<ProbeSpec> spec;
    std::chrono::system_clock::time_point next_due;
    ProbeOutcome::Result last = ProbeOutcome::Result::kError;  // kubelet's "Unknown"
    int run = 0;                                               // how many times `last` repeated
  };
  Worker& worker(ProbeType type);
  const Worker& worker(ProbeType type) const;

  Worker startup_;
  Worker readiness_;
  Worker liveness_;
  bool started_ = false;
  bool ready_ = false;
  std::string restart_reason_;
};

}  // namespace capstan::target::local
