// Applications: Argo CD's `argoproj.io/v1alpha1` Application, read unchanged, and the
// status shape capstan reports for it (docs/applications.md has the user's view).
//
// Reading is as strict as it needs to be for safety and no stricter:
//   - a wrong type anywhere, or an unknown field inside spec.source (or a spec.sources
//     element), is an error: a misspelt `targetRevison` or `valueFile` would deploy
//     something other than what the author meant;
//   - an unknown field elsewhere under spec is a warning (Application::warnings), as Argo
//     CD's own schema grows fields capstan may not know yet;
//   - a field Argo CD knows and capstan does not implement (a Helm repository chart,
//     jsonnet, several sources, Replace=true, ...) is read and listed in
//     Application::unsupported, and refused when the Application is used (CheckSupported,
//     ToRenderRequest) rather than when it is read, so one such Application does not stop
//     the others from loading.
// capstan's own settings live in `capstan.dev/*` annotations, because Argo CD's CRD
// prunes unknown fields under spec (see docs/applications.md).
//
// Every error is one sentence naming the file, the Application and the field:
//   `apps/web.yaml: Application web: spec.destination: set server or name, not both`.
// Everything here is pure apart from LoadApplications (reads files) and thread-compatible.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/value.h"
#include "diff/diff.h"
#include "render/render.h"

namespace capstan::controller {

inline constexpr std::string_view kApplicationApiVersion = "argoproj.io/v1alpha1";
inline constexpr std::string_view kApplicationKind = "Application";

// spec.source.directory
struct DirectorySource {
  bool recurse = false;  // Argo CD's default: only the folder itself
  std::string include;   // one glob, `{a,b}` for several; empty = every manifest file
  std::string exclude;
};

// spec.source.kustomize. Argo CD applies these as `kustomize edit` overrides of the top
// kustomization; capstan passes them to the renderer (render::KustomizeOverrides). Other
// overrides (replicas, patches, components...) are listed in Application::unsupported.
struct KustomizeSource {
  std::vector<std::string> images;  // "name=newName:tag" / "name:tag" / "name@digest"
  std::string name_prefix, name_suffix, namespace_;
  std::map<std::string, std::string> common_labels, common_annotations;
  std::string version;  // which kustomize binary Argo CD runs; ignored (native renderer)
};

struct HelmParameter {
  std::string name, value;
  bool force_string = false;
};

// spec.source.helm
struct HelmSource {
  std::string release_name;              // empty: the Application's name (Argo CD's rule)
  std::vector<std::string> value_files;  // relative to the chart folder
  std::string values;                    // inline YAML text
  Value values_object;                   // inline map; when set, replaces `values`
  std::vector<HelmParameter> parameters;
  bool pass_credentials = false;  // only matters for repository charts; read and ignored
};

// spec.source, or the single element of spec.sources.
struct ApplicationSource {
  std::string repo_url;
  std::string target_revision = "HEAD";
  std::string path;   // folder inside the repository; "" = the root
  std::string chart;  // Helm repository chart name: not supported yet
  // At most one of these is set (Argo CD refuses several); none = detect by folder content.
  std::optional<DirectorySource> directory;
  std::optional<KustomizeSource> kustomize;
  std::optional<HelmSource> helm;
  Value raw;  // the source map as written, echoed in status.sync.comparedTo and history
};

// spec.destination: exactly one of server and name.
struct ApplicationDestination {
  std::string server;  // API server URL ("https://kubernetes.default.svc")
  std::string name;    // cluster name
  std::string namespace_;
};

// spec.syncPolicy.syncOptions, parsed from their "Key=value" strings. Defaults as Argo CD.
struct SyncOptions {
  bool create_namespace = false;                        // CreateNamespace
  bool server_side_apply = false;                       // ServerSideApply
  bool prune_last = false;                              // PruneLast
  bool apply_out_of_sync_only = false;                  // ApplyOutOfSyncOnly
  bool validate = true;                                 // Validate
  bool respect_ignore_differences = false;              // RespectIgnoreDifferences
  bool fail_on_shared_resource = false;                 // FailOnSharedResource
  std::string prune_propagation_policy = "foreground";  // foreground, background, orphan
  bool replace = false;  // Replace: not supported (listed in unsupported when true)
};

struct RetryPolicy {
  // Failed syncs retried this many times; 0 = none (also when `limit` is left out, as in
  // Argo CD), negative = without end.
  int64_t limit = 0;
  std::chrono::nanoseconds backoff_duration = std::chrono::seconds(5);
  int64_t backoff_factor = 2;
  std::chrono::nanoseconds backoff_max_duration = std::chrono::minutes(3);
  bool refresh = false;  // retry with the newest revision instead of the failed one
};

// The wait before retry number `attempt` (0 for the first retry), as Argo CD computes it:
// duration * factor^attempt, capped at max_duration. Example (5s, 2, 3m): 5s, 10s, 20s,
// 40s, 80s, 160s, 180s, 180s...
std::chrono::nanoseconds RetryDelay(const RetryPolicy& retry, int attempt);

struct SyncPolicy {
  bool automated = false;  // spec.syncPolicy.automated present and not `enabled: false`
  bool prune = false;
  bool self_heal = false;
  bool allow_empty = false;
  SyncOptions options;
  std::optional<RetryPolicy> retry;  // absent: failed syncs are not retried
};

// capstan-only settings, read from annotations on the Application.
struct CapstanSettings {
  // capstan.dev/policy-enforce: "true" refuses to sync when policy reports an error.
  bool policy_enforce = false;
  // capstan.dev/policy-rules: a policy file, relative to the repository root.
  std::string policy_rules;
  // capstan.dev/auto-rollback: "true" rolls back to the previous revision when the
  // Application is not Healthy within the window after a sync.
  bool auto_rollback = false;
  // capstan.dev/auto-rollback-window: a Go duration; default 5m.
  std::chrono::nanoseconds auto_rollback_window = std::chrono::minutes(5);
};

// A field Argo CD knows that capstan cannot act on yet.
struct Unsupported {
  std::string field;       // "spec.source.chart"
  std::string reason;      // "Helm repository charts are not supported yet; ..."
  bool in_source = false;  // true when rendering cannot be done faithfully
};

struct Application {
  std::string name, namespace_;
  std::map<std::string, std::string> labels, annotations;
  std::string project = "default";
  ApplicationSource source;
  ApplicationDestination destination;
  SyncPolicy sync_policy;
  std::vector<diff::IgnoreDifference> ignore_differences;
  int64_t revision_history_limit = 10;
  CapstanSettings capstan;

  std::string source_file;               // where it was read, for messages
  std::vector<std::string> warnings;     // "spec.foo: unknown field, ignored"
  std::vector<Unsupported> unsupported;  // refused at use time
  Value raw;                             // the object as written
};

// Reads one Application object. `source_file` names it in messages. Errors (Invalid): not
// an argoproj.io/v1alpha1 Application, a missing metadata.name or destination, a wrong
// type, an unknown field in the source, a bad duration or sync option value, a misspelt
// capstan.dev/ annotation.
Result<Application> ParseApplication(const Value& object, std::string_view source_file);

// Reads every *.yaml, *.yml and *.json file under `dir` (recursively, byte-wise sorted,
// ".git" skipped, linked folders not entered) and returns its Applications, in that order.
// Other kinds, and Applications of another apiVersion, are skipped. Files are named in
// messages as `dir`/relative path. Errors: NotFound (no such folder), Invalid (a file that
// does not parse, a bad Application), Conflict (two Applications with one name: both files
// named).
Result<std::vector<Application>> LoadApplications(const std::filesystem::path& dir);

// Fails (Invalid) naming the first entry of app.unsupported, if any.
Status CheckSupported(const Application& app);

// The render request for the Application's source in a checkout at `checkout_root`.
// Errors (Invalid) for an unsupported source feature (`in_source` entries: a repository
// chart, jsonnet, kustomize replicas/patches/components, several sources). Kustomize
// images, namePrefix, nameSuffix, namespace, commonLabels and commonAnnotations become
// render overrides. Helm gets the destination
// namespace and, without releaseName, the Application's name as release name; valuesObject
// (as YAML) replaces values.
Result<render::RenderRequest> ToRenderRequest(const Application& app,
                                              const std::filesystem::path& checkout_root);

// Diff options from spec.ignoreDifferences and the destination namespace (as default
// namespace for objects that set none; "default" when the destination names none).
diff::DiffOptions ToDiffOptions(const Application& app);

// Parses a Go duration ("300ms", "5s", "1h30m", "-1.5h", "0"). Units ns, us (µs), ms, s,
// m, h; a number without unit is an error except "0".
Result<std::chrono::nanoseconds> ParseGoDuration(std::string_view text);

// Formats a duration the way Go prints it ("5s", "3m0s", "1h30m0s", "1.5s").
std::string FormatGoDuration(std::chrono::nanoseconds duration);

// ---- Status --------------------------------------------------------------------------

using Time = std::chrono::system_clock::time_point;  // epoch (zero) = not set, omitted

struct HealthState {
  std::string status;  // Healthy, Suspended, Progressing, Missing, Degraded, Unknown
  std::string message;
};

// One object the Application manages (status.resources[]).
struct ResourceStatus {
  std::string group, version, kind, namespace_, name;
  std::string status;                 // Synced, OutOfSync, Unknown
  std::optional<HealthState> health;  // omitted for kinds without health
  bool requires_pruning = false;
};

// One object's outcome in a sync (status.operationState.syncResult.resources[]).
struct ResourceResult {
  std::string group, version, kind, namespace_, name;
  std::string status;      // Synced, SyncFailed, Pruned, PruneSkipped
  std::string message;     // kubectl-like "deployment.apps/web configured"
  std::string hook_phase;  // for hooks: Running, Succeeded, Failed...; else empty
  std::string sync_phase;  // PreSync, Sync, PostSync, SyncFail
  int64_t sync_wave = 0;   // capstan's addition: the wave it ran in (syncWave)
};

struct OperationState {
  std::string phase;  // Running, Terminating, Failed, Error, Succeeded
  std::string message;
  Time started_at{}, finished_at{};
  std::string revision;  // syncResult.revision
  std::vector<ResourceResult> resources;
};

struct HistoryEntry {
  int64_t id = 0;
  std::string revision;
  Time deployed_at{}, deploy_started_at{};
  Value source;  // the spec.source deployed; null = the Application's current source
};

struct ApplicationStatus {
  std::string sync_status = "Unknown";  // Synced, OutOfSync, Unknown
  std::string sync_revision;            // the commit compared
  HealthState health{"Unknown", ""};
  std::optional<OperationState> operation;
  std::vector<ResourceStatus> resources;
  std::vector<HistoryEntry> history;  // oldest first, as Argo CD lists it
  Time reconciled_at{};
  std::vector<std::string> images;  // summary.images
};

// Argo CD's `status` object for `app` in `status` (field names exactly as Argo CD's):
// sync{status, revision, comparedTo{source, destination, ignoreDifferences}},
// health{status, message},
// operationState{phase, message, startedAt, finishedAt, syncResult{revision, resources}},
// resources[], history[], reconciledAt, summary{images}. Times are RFC 3339 UTC
// ("2026-01-02T03:04:05Z"); empty strings, unset times and empty lists are left out.
Value BuildStatusValue(const Application& app, const ApplicationStatus& status);

// RFC 3339 UTC with second precision, as Kubernetes prints metav1.Time.
std::string FormatTime(Time time);

}  // namespace capstan::controller
