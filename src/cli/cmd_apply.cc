// `capstan apply PATH`: one sync of a folder to a cluster, without a server — what a CI job
// runs. It renders PATH as `capstan render` does, fills the namespace of namespaced objects
// that set none, plans the sync as Argo CD would (waves, hooks, prune of exactly the objects
// this app created) and runs it through the Kubernetes client, printing a line per object as
// kubectl does. Exit 0 the sync succeeded, 1 it failed (the server's message on stderr), 2
// usage or input errors (render, plan, kubeconfig).
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "cli/commands.h"
#include "cli/render_flags.h"
#include "core/log.h"
#include "diff/diff.h"
#include "render/render.h"
#include "sync/plan.h"
#include "sync/prune_kinds.h"
#include "sync/sync.h"
#include "target/kube/kube.h"
#include "target/kube/kubeconfig.h"

namespace capstan::cli {
namespace {

namespace fs = std::filesystem;

constexpr int kExitSucceeded = 0;
constexpr int kExitFailed = 1;
constexpr int kExitInput = 2;

// Desired objects without capstan's label are looked up one by one, unless one kind in one
// namespace has more of them than this: then the namespace's objects of that kind are
// listed once (a first apply of 1,000 ConfigMaps is 10 lists instead of 1,000 GETs).
constexpr size_t kListInsteadOfGetAbove = 8;

// No client-side rate limit: apply sends one request at a time, as kubectl does (which does
// not throttle itself either), so its rate is bounded by the server's latency, and the API
// server's priority and fairness protects it. The controller keeps its limit: it runs many
// syncs at once. At the controller's 50/s, 1,000 objects (a dry run and an apply each, 2,000
// requests) would wait about 40 s for the limiter alone.
constexpr double kApplyQps = 0;

constexpr std::string_view kApplyFooter = R"(
PATH is rendered as `capstan render` renders it (plain manifests, Kustomize or Helm).
Every object is applied once as a server dry run first, then for real, wave by wave
(argocd.argoproj.io/sync-wave); with more than one wave each is waited on until healthy.
Objects get the label app.kubernetes.io/instance=APP and Argo CD's tracking annotation;
--prune deletes only live objects whose tracking annotation names APP and that PATH no
longer holds.

Examples:
  capstan apply deploy/prod --kubeconfig ~/.kube/config --context prod --prune
  capstan apply charts/web -n shop --set image.tag=1.2.3 --dry-run

Exit status: 0 synced, 1 the sync failed (the server's message on stderr), 2 usage or
input errors (a manifest that does not render, a bad kubeconfig).
)";

struct ApplyFlags {
  RenderFlags render;
  std::string kubeconfig;
  std::string context;
  std::string app;
  bool prune = false;
  bool dry_run = false;
  bool force_conflicts = false;
};

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

std::string OneLine(std::string message) {
  std::replace(message.begin(), message.end(), '\n', ' ');
  return message;
}

// The default app name: PATH's folder (a file's own folder), as the user would call it.
std::string DefaultAppName(const std::string& path) {
  std::error_code error;
  fs::path absolute = fs::weakly_canonical(fs::absolute(path, error), error);
  if (!fs::is_directory(absolute, error)) absolute = absolute.parent_path();
  return absolute.filename().string();
}

// "deployment.apps/web", kubectl's name for an object.
std::string KubectlName(const ObjectKey& key) {
  std::string kind = key.kind;
  std::transform(kind.begin(), kind.end(), kind.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (!key.group.empty()) kind += "." + key.group;
  return kind + "/" + key.name;
}

// Keys must carry the namespace they are applied in so that they match the live objects':
// a namespaced object without one gets `ns`, a cluster-scoped one loses any it sets (the
// server ignores it). A kind the server does not serve yet (its CRD is in PATH) is judged
// by the built-in list of cluster-scoped kinds.
void FillNamespaces(target::Target& target, const std::string& ns, std::vector<Manifest>& desired) {
  for (Manifest& manifest : desired) {
    Value& object = manifest.object;
    std::string api_version(object.StringAt({"apiVersion"}));
    std::string kind(KindOf(object));
    auto info = target.LookupKind(api_version, kind);
    bool namespaced =
        info.ok() ? info->namespaced : !diff::IsClusterScoped(GroupOf(api_version), kind);
    Value* metadata = object.Find("metadata");
    if (metadata == nullptr || !metadata->is_object()) continue;  // BuildPlan names it
    if (namespaced && NamespaceOf(object).empty()) metadata->Set("namespace", ns);
    if (!namespaced) metadata->Erase("namespace");
  }
}

// The live objects the plan needs: every object carrying the app's label (of the kinds PATH
// holds and sync::CommonPruneKinds), and the live copies of desired objects that exist without it
// (made by hand or another tool: applying adopts them).
Result<std::vector<Value>> LiveObjects(target::Target& target, const std::string& app,
                                       const std::vector<Manifest>& desired) {
  std::set<std::pair<std::string, std::string>> kinds(sync::CommonPruneKinds().begin(),
                                                      sync::CommonPruneKinds().end());
  for (const Manifest& manifest : desired) {
    kinds.emplace(std::string(manifest.object.StringAt({"apiVersion"})),
                  std::string(KindOf(manifest.object)));
  }
  std::map<ObjectKey, Value> live;
  auto list_into = [&](target::Selector selector) -> Status {
    auto objects = target.List(selector);
    if (!objects.ok()) {
      // A kind not served (yet: its CRD comes with this apply) has no live objects.
      if (objects.error().code() == ErrorCode::kNotFound) return OkStatus();
      return objects.error();
    }
    for (Value& object : *objects) {
      ObjectKey key = KeyOf(object);
      live.emplace(std::move(key), std::move(object));
    }
    return OkStatus();
  };
  for (const auto& [api_version, kind] : kinds) {
    target::Selector selector;
    selector.api_version = api_version;
    selector.kind = kind;
    selector.label_selector = fmt::format("{}={}", target::kAppLabel, app);
    if (auto listed = list_into(selector); !listed.ok()) return listed.error();
  }

  // The rest, grouped by (apiVersion, kind, namespace): listed when many, else fetched.
  std::map<std::tuple<std::string, std::string, std::string>, std::vector<ObjectKey>> missing;
  for (const Manifest& manifest : desired) {
    ObjectKey key = KeyOf(manifest.object);
    if (live.contains(key)) continue;
    missing[{std::string(manifest.object.StringAt({"apiVersion"})), key.kind, key.ns}].push_back(
        key);
  }
  std::map<ObjectKey, Value> unlabelled;
  for (const auto& [group, keys] : missing) {
    const auto& [api_version, kind, ns] = group;
    if (keys.size() > kListInsteadOfGetAbove) {
      target::Selector selector;
      selector.api_version = api_version;
      selector.kind = kind;
      selector.ns = ns;
      auto objects = target.List(selector);
      if (!objects.ok()) {
        if (objects.error().code() == ErrorCode::kNotFound) continue;
        return objects.error();
      }
      std::set<ObjectKey> wanted(keys.begin(), keys.end());
      for (Value& object : *objects) {
        ObjectKey key = KeyOf(object);
        if (wanted.contains(key)) live.emplace(std::move(key), std::move(object));
      }
      continue;
    }
    for (const ObjectKey& key : keys) {
      auto object = target.Get(key, api_version);
      if (!object.ok()) {
        if (object.error().code() == ErrorCode::kNotFound) break;  // the kind is not served
        return object.error();
      }
      if (object->has_value()) live.emplace(key, std::move(**object));
    }
  }
  std::vector<Value> result;
  result.reserve(live.size());
  for (auto& [key, object] : live) result.push_back(std::move(object));
  return result;
}

// Desired objects whose live copy already equals them (as they will be applied, with the
// app's label and tracking annotation): kubectl's "unchanged". Only for what is printed;
// every object is applied regardless, which also repairs fields the diff ignores.
std::set<ObjectKey> Unchanged(const std::vector<Manifest>& desired, const std::vector<Value>& live,
                              const std::string& app, const std::string& ns) {
  std::vector<Manifest> stamped;
  stamped.reserve(desired.size());
  for (const Manifest& manifest : desired) {
    stamped.push_back({sync::StampOwnership(manifest.object, app), manifest.source});
  }
  std::vector<Manifest> live_manifests;
  live_manifests.reserve(live.size());
  for (const Value& object : live) live_manifests.push_back({object, ""});
  diff::DiffOptions options;
  options.default_namespace = ns;
  std::set<ObjectKey> unchanged;
  auto set = diff::DiffAll(stamped, live_manifests, options);
  if (!set.ok()) return unchanged;  // the plan reports the same error with more context
  for (const diff::ObjectDiff& object : set->objects) {
    if (object.change == diff::Change::kUnchanged) unchanged.insert(object.key);
  }
  return unchanged;
}

class Printer {
 public:
  Printer(std::string ns, std::set<ObjectKey> unchanged, bool dry_run)
      : ns_(std::move(ns)), unchanged_(std::move(unchanged)), dry_run_(dry_run) {}

  void operator()(const sync::ProgressEvent& event) {
    using Type = sync::ProgressEvent::Type;
    switch (event.type) {
      case Type::kWaveStarted:
        fmt::print("{} wave {}:\n", sync::PhaseName(event.phase), event.wave);
        break;
      case Type::kApplied:
      case Type::kPruned:
      case Type::kHookDeleted:
        Line(*event.result, event.type == Type::kHookDeleted ? "deleted (hook)" : "");
        break;
      case Type::kHealth:
        if (event.result->health) {
          fmt::print(
              "  waiting for {}: {}{}\n", KubectlName(event.result->key),
              health::HealthStatusName(event.result->health->status),
              event.result->health->message.empty() ? "" : ": " + event.result->health->message);
        }
        break;
      default:
        break;
    }
    std::fflush(stdout);
  }

 private:
  void Line(const sync::ResourceResult& result, std::string message) {
    if (message.empty()) message = result.message;
    if (result.status == sync::ResultCode::kSynced && message == "configured" &&
        unchanged_.contains(result.key)) {
      message = "unchanged";
    }
    if (dry_run_ && message.find("dry run") == std::string::npos &&
        result.status != sync::ResultCode::kSyncFailed) {
      message += " (dry run)";
    }
    std::string where =
        result.key.ns.empty() || result.key.ns == ns_ ? "" : " (namespace " + result.key.ns + ")";
    fmt::print("  {} {}{}\n", KubectlName(result.key), OneLine(message), where);
  }

  std::string ns_;
  std::set<ObjectKey> unchanged_;
  bool dry_run_;
};

int RunApply(ApplyFlags flags) {
  auto input_error = [](std::string_view what, const Error& error) {
    fmt::print(stderr, "capstan apply: {}{}\n", what, OneLine(error.message()));
    return kExitInput;
  };
  std::string kubeconfig = flags.kubeconfig;
  if (kubeconfig.empty()) kubeconfig = Env("KUBECONFIG");
  if (kubeconfig.empty()) kubeconfig = Env("HOME") + "/.kube/config";
  auto config = target::kube::LoadKubeConfig(kubeconfig, flags.context);
  if (!config.ok()) return input_error("", config.error());
  target::kube::KubeClientOptions client_options;
  client_options.transport.rate_limit.qps = kApplyQps;
  auto client = target::kube::KubeClient::Create(*config, client_options);
  if (!client.ok()) return input_error("", client.error());
  target::kube::KubeClient& target = **client;

  // One namespace for rendering (Helm's .Release.Namespace) and for objects that name none.
  if (flags.render.namespace_.empty()) flags.render.namespace_ = target.default_namespace();
  const std::string ns = flags.render.namespace_;
  std::string app = flags.app.empty() ? DefaultAppName(flags.render.path) : flags.app;

  auto request = BuildRenderRequest(flags.render);
  if (!request.ok()) return input_error("", request.error());
  auto rendered = render::Render(*request);
  if (!rendered.ok()) return input_error("", rendered.error());
  std::vector<Manifest> desired = std::move(rendered->manifests);
  FillNamespaces(target, ns, desired);
  Log(LogLevel::kInfo, "apply {} objects as app {} to {}", desired.size(), app, target.Describe());

  auto live = LiveObjects(target, app, desired);
  if (!live.ok()) {
    fmt::print(stderr, "capstan apply: reading live objects from {}: {}\n", target.Describe(),
               OneLine(live.error().message()));
    return kExitFailed;
  }
  std::set<ObjectKey> unchanged = Unchanged(desired, *live, app, ns);

  sync::PlanInput input;
  input.desired = std::move(desired);
  input.live = std::move(*live);
  sync::PlanOptions plan_options;
  plan_options.app = app;
  plan_options.prune = flags.prune;
  plan_options.started_at_unix = std::chrono::duration_cast<std::chrono::seconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count();
  auto plan = sync::BuildPlan(input, plan_options);
  if (!plan.ok()) return input_error("", plan.error());

  sync::SyncOptions options;
  options.app = app;
  options.dry_run = flags.dry_run;
  options.force = flags.force_conflicts;
  options.progress = Printer(ns, std::move(unchanged), flags.dry_run);
  sync::SyncResult result = sync::RunSync(target, *plan, options);

  if (result.phase != sync::OperationPhase::kSucceeded) {
    fmt::print(stderr, "capstan apply: {} {}: {}\n", app, sync::OperationPhaseName(result.phase),
               OneLine(result.message));
    return kExitFailed;
  }
  fmt::print("{} {}: {} objects{}\n", app, sync::OperationPhaseName(result.phase),
             result.resources.size(), flags.dry_run ? " (dry run: nothing changed)" : "");
  return kExitSucceeded;
}

}  // namespace

void AddApplyCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<ApplyFlags>();
  CLI::App* cmd = app.add_subcommand(
      "apply", "Render a folder and sync it to a cluster once, without a server (for CI)");
  cmd->footer(std::string(kApplyFooter));
  cmd->add_option("PATH", flags->render.path, "Folder to render, or one manifest file")->required();
  cmd->add_option("--kubeconfig", flags->kubeconfig,
                  "kubeconfig of the cluster (default $KUBECONFIG, ~/.kube/config)");
  cmd->add_option("--context", flags->context, "kubeconfig context (default: the current one)");
  cmd->add_option("--app", flags->app,
                  "Application name for the ownership label and prune (default: PATH's folder)");
  cmd->add_flag("--prune", flags->prune,
                "Delete live objects this app created that PATH no longer holds");
  cmd->add_flag("--dry-run", flags->dry_run,
                "Server-side dry run of every object: show what would change, change nothing");
  cmd->add_flag("--force-conflicts", flags->force_conflicts,
                "Take over fields another field manager owns (kubectl's --force-conflicts)");
  AddRenderFlags(*cmd, flags->render);
  // Here the namespace is also where namespaced objects that name none are applied.
  cmd->get_option("--namespace")
      ->description(
          "Namespace of namespaced objects that set none, and Helm's release namespace "
          "(default: the context's, else default)");
  cmd->callback([flags, &exit_code] { exit_code = RunApply(*flags); });
}

}  // namespace capstan::cli
