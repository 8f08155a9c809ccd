#include "controller/rollout_controller.h"

#include <fmt/format.h>

#include <set>

#include "controller/release_history.h"
#include "controller/rollout_routers.h"
#include "core/base64.h"
#include "core/log.h"
#include "rollout/analysis/analysis.h"
#include "rollout/analysis/run.h"

namespace capstan::controller {
namespace {

namespace analysis = rollout::analysis;

constexpr char kRolloutApiVersion[] = "argoproj.io/v1alpha1";

target::ApplyOptions ControllerApply() {
  target::ApplyOptions options;
  options.force = true;
  options.field_manager = target::kRolloutsFieldManager;
  return options;
}

// Just enough of an object to name it in an apply: apiVersion, kind, name, namespace.
Value ObjectNamed(std::string_view api_version, std::string_view kind, std::string_view name,
                  std::string_view ns) {
  Value object = Value::MakeObject();
  object.Set("apiVersion", api_version);
  object.Set("kind", kind);
  object["metadata"].Set("name", name);
  if (!ns.empty()) object["metadata"].Set("namespace", ns);
  return object;
}

// `object` (a live object the reconcile changed) as an apply configuration: without its
// status and the metadata the server sets. An API server refuses an apply carrying
// managedFields, and a resourceVersion would make the apply fail whenever the object's
// status moved since it was listed (a ReplicaSet's does while its pods start).
Value ApplyConfiguration(Value object) {
  object.Erase("status");
  if (Value* metadata = object.Find("metadata"); metadata != nullptr && metadata->is_object()) {
    for (const char* field : {"managedFields", "resourceVersion", "uid", "creationTimestamp",
                              "generation", "selfLink"}) {
      metadata->Erase(field);
    }
  }
  return object;
}

// Whether `status` (the one the reconcile wrote) moves the release to another weight: an
// abort, another step, a pause started or ended.
bool MovesTraffic(const Value& rollout, const Value& status) {
  for (const char* field : {"abort", "currentStepIndex", "pauseConditions", "stableRS"}) {
    const Value* before = rollout.At({"status", field});
    const Value* after = status.Find(field);
    if ((before == nullptr) != (after == nullptr)) return true;
    if (before != nullptr && !(*before == *after)) return true;
  }
  return false;
}

// The resourceVersions of `objects`, joined: equal when none of them changed (a change, a
// new or a removed object changes it).
void AddVersion(const Value& object, std::string& versions) {
  versions += object.StringAt({"metadata", "uid"});
  versions += '@';
  versions += object.StringAt({"metadata", "resourceVersion"});
  versions += ',';
}

std::string VersionsOf(const std::vector<Value>& objects) {
  std::string versions;
  for (const Value& object : objects) AddVersion(object, versions);
  return versions;
}

std::vector<Value> ListOr(target::Target& target, const char* api_version, const char* kind,
                          const std::string& ns) {
  auto listed = target.List({api_version, kind, ns, "", ""});
  return listed.ok() ? std::move(*listed) : std::vector<Value>{};
}

}  // namespace

RolloutController::RolloutController(std::vector<target::Target*> targets,
                                     analysis::MetricProvider& provider,
                                     RolloutControllerOptions options)
    : targets_(std::move(targets)), provider_(provider), options_(options) {
  if (options_.measure_workers > 0) {
    measurer_ =
        std::make_unique<AnalysisMeasurer>(provider_, options_.measure_workers, [this] { Wake(); });
  }
}

RolloutController::~RolloutController() { Stop(); }

void RolloutController::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void RolloutController::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RolloutController::Wake() {
  {
    std::lock_guard lock(mu_);
    dirty_ = true;
  }
  wake_.notify_all();
}

std::map<std::string, std::vector<std::string>> RolloutController::Errors() const {
  std::lock_guard lock(mu_);
  return errors_;
}

void RolloutController::Loop() {
  while (true) {
    RunPass(std::chrono::system_clock::now());
    std::unique_lock lock(mu_);
    wake_.wait_for(lock, options_.resync, [this] { return dirty_ || stopping_; });
    if (stopping_) return;
    dirty_ = false;
  }
}

void RolloutController::RunPass(rollout::TimePoint now) {
  last_pass_ = {};
  for (target::Target* target : targets_) ReconcileTarget(*target, now);
}

void RolloutController::ReconcileTarget(target::Target& target, rollout::TimePoint now) {
  auto rollouts = target.List({kRolloutApiVersion, "Rollout", "", "", ""});
  if (!rollouts.ok()) {
    // No Rollout CRD on this cluster: nothing to control there.
    if (rollouts.error().code() != ErrorCode::kNotFound) {
      Log(LogLevel::kWarning, "rollouts on {}: {}", target.Describe(), rollouts.error().message());
    }
    return;
  }
  ReconcileRollouts(target, *rollouts, now);
  RunAnalyses(target, now);
}

bool RolloutController::CanSkip(const std::string& key, const std::string& inputs,
                                rollout::TimePoint now) const {
  auto it = last_.find(key);
  if (it == last_.end()) return false;
  const LastReconcile& last = it->second;
  return last.settled && last.inputs == inputs && (!last.due || now < *last.due) &&
         now - last.at < kFullResync;
}

void RolloutController::ReconcileRollouts(target::Target& target,
                                          const std::vector<Value>& rollouts,
                                          rollout::TimePoint now) {
  std::set<std::string> namespaces;
  for (const Value& object : rollouts) namespaces.insert(std::string(NamespaceOf(object)));
  std::map<std::string, LastReconcile> seen;  // becomes last_: Rollouts gone are forgotten
  for (const std::string& ns : namespaces) {
    std::vector<Value> replica_sets = ListOr(target, "apps/v1", "ReplicaSet", ns);
    std::vector<Value> pods = ListOr(target, "v1", "Pod", ns);
    std::vector<Value> runs = ListOr(target, kRolloutApiVersion, "AnalysisRun", ns);
    std::vector<Value> services = ListOr(target, "v1", "Service", ns);
    std::string namespace_inputs = VersionsOf(replica_sets) + '|' + VersionsOf(pods) + '|' +
                                   VersionsOf(runs) + '|' + VersionsOf(services);
    for (const Value& object : rollouts) {
      if (NamespaceOf(object) != ns) continue;
      std::string key = fmt::format("{}|{}/{}", target.Describe(), ns, NameOf(object));
      std::string inputs;
      AddVersion(object, inputs);
      inputs += namespace_inputs;
      if (CanSkip(key, inputs, now)) {
        seen[key] = last_[key];
        ++last_pass_.skipped;
        continue;
      }
      ++last_pass_.reconciled;
      rollout::ReconcileOptions options;
      std::optional<Value> workload;
      if (const Value* ref = object.At({"spec", "workloadRef"}); ref != nullptr) {
        auto found = target.Get(
            {std::string(GroupOf(ref->StringAt({"apiVersion"}))),
             std::string(ref->StringAt({"kind"})), ns, std::string(ref->StringAt({"name"}))},
            std::string(ref->StringAt({"apiVersion"})));
        if (found.ok() && found->has_value()) workload = std::move(**found);
        if (workload) options.referenced_template = workload->At({"spec", "template"});
      }
      rollout::RolloutActions actions =
          rollout::ReconcileRollout(object, replica_sets, pods, runs, services, now, options);
      std::vector<std::string> errors = actions.errors;
      std::vector<std::string> applied = ApplyActions(target, object, actions);
      errors.insert(errors.end(), applied.begin(), applied.end());
      LastReconcile& last = seen[key];
      last.inputs = std::move(inputs);
      // A workloadRef's template is not among the inputs: such a Rollout is never skipped.
      last.settled = actions.empty() && errors.empty() && !workload;
      if (actions.requeue_after) {
        last.due =
            now + std::chrono::duration_cast<rollout::TimePoint::duration>(*actions.requeue_after);
      }
      last.at = now;
      if (actions.status && MovesTraffic(object, *actions.status)) {
        // Argo's controller reconciles again as soon as a status update arrives; here the
        // next pass would wait for the resync: an abort would leave the canary its weight,
        // or a new step its old weight, for up to a second.
        Wake();
      }
      if (options_.history != nullptr && actions.status && applied.empty()) {
        std::vector<Value> owned = replica_sets;  // and the ones this pass created
        owned.insert(owned.end(), actions.create.begin(), actions.create.end());
        options_.history->Observe(target, object, *actions.status, owned);
      }
      std::string name = fmt::format("argoproj.io/Rollout {}/{}", ns, NameOf(object));
      std::lock_guard lock(mu_);
      if (errors.empty()) {
        errors_.erase(name);
      } else {
        if (errors_[name] != errors) {
          for (const std::string& error : errors) Log(LogLevel::kWarning, "{}: {}", name, error);
        }
        errors_[name] = errors;
      }
    }
  }
  last_ = std::move(seen);
}

std::vector<std::string> RolloutController::ApplyActions(target::Target& target,
                                                         const Value& rollout,
                                                         const rollout::RolloutActions& actions) {
  std::vector<std::string> errors;
  auto check = [&errors](const Status& status, const std::string& what) {
    if (!status.ok()) errors.push_back(what + ": " + status.error().message());
  };
  std::string ns(NamespaceOf(rollout));
  for (const auto* objects : {&actions.create, &actions.update}) {
    for (const Value& live : *objects) {
      Value object = ApplyConfiguration(live);
      auto applied = target.Apply(object, ControllerApply());
      check(applied.ok() ? OkStatus() : Status(applied.error()),
            "apply " + KeyOf(object).ToString());
    }
  }
  for (const ObjectKey& key : actions.remove) {
    check(target.Delete(key, {}), "delete " + key.ToString());
  }
  for (const rollout::ServiceSelectorPatch& patch : actions.service_selectors) {
    auto service = target.Get({"", "Service", ns, patch.service}, "v1");
    if (!service.ok() || !service->has_value()) {
      errors.push_back(fmt::format("Service {}/{} not found", ns, patch.service));
      continue;
    }
    Value selector = (*service)->At({"spec", "selector"}) != nullptr
                         ? *(*service)->At({"spec", "selector"})
                         : Value::MakeObject();
    selector.Set(rollout::kPodTemplateHashLabel, patch.pod_template_hash);
    Value object = ObjectNamed("v1", "Service", patch.service, ns);
    object["metadata"]["annotations"].Set(rollout::kManagedByRolloutsAnnotation, patch.rollout);
    object["spec"].Set("selector", std::move(selector));
    auto applied = target.Apply(object, ControllerApply());
    check(applied.ok() ? OkStatus() : Status(applied.error()), "switch Service " + patch.service);
  }
  if (actions.traffic) {
    std::vector<std::string> traffic = ApplyTraffic(target, rollout, *actions.traffic);
    errors.insert(errors.end(), traffic.begin(), traffic.end());
  }
  for (const rollout::AnalysisRunRequest& request : actions.create_analysis_runs) {
    std::vector<std::string> started = StartAnalysisRun(target, rollout, request);
    errors.insert(errors.end(), started.begin(), started.end());
  }
  for (const std::string& run : actions.terminate_analysis_runs) {
    Value object = ObjectNamed(kRolloutApiVersion, "AnalysisRun", run, ns);
    object["spec"].Set("terminate", true);
    auto applied = target.Apply(object, ControllerApply());
    check(applied.ok() ? OkStatus() : Status(applied.error()), "terminate AnalysisRun " + run);
  }
  if (actions.rollout) {
    Value object = ObjectNamed(kRolloutApiVersion, "Rollout", NameOf(rollout), ns);
    // Only the revision: the Rollout's other annotations are its author's, and owning them
    // here would keep one that Git later removes.
    std::string_view revision =
        actions.rollout->StringAt({"metadata", "annotations", rollout::kRevisionAnnotation});
    object["metadata"]["annotations"].Set(rollout::kRevisionAnnotation, revision);
    auto applied = target.Apply(object, ControllerApply());
    check(applied.ok() ? OkStatus() : Status(applied.error()), "annotate Rollout");
  }
  if (actions.status) {
    Value object = ObjectNamed(kRolloutApiVersion, "Rollout", NameOf(rollout), ns);
    object.Set("status", *actions.status);
    target::ApplyOptions options = ControllerApply();
    options.status = true;
    auto applied = target.Apply(object, options);
    check(applied.ok() ? OkStatus() : Status(applied.error()), "write Rollout status");
  }
  return errors;
}

std::vector<std::string> RolloutController::ApplyTraffic(target::Target& target,
                                                         const Value& rollout,
                                                         const rollout::TrafficState& traffic) {
  auto spec = rollout::ParseRollout(rollout);
  if (!spec.ok() || !spec->canary || !spec->canary->traffic_routing) return {};
  const rollout::TrafficRouting& routing = *spec->canary->traffic_routing;
  std::vector<std::string> errors;
  if (routing.nginx) {
    std::vector<std::string> ingresses = routing.nginx->stable_ingresses;
    if (!routing.nginx->stable_ingress.empty()) ingresses.push_back(routing.nginx->stable_ingress);
    for (const std::string& name : ingresses) {
      auto stable =
          target.Get({"networking.k8s.io", "Ingress", spec->ns, name}, "networking.k8s.io/v1");
      if (!stable.ok() || !stable->has_value()) {
        errors.push_back(fmt::format("stable Ingress {}/{} not found", spec->ns, name));
        continue;
      }
      auto canary = BuildCanaryIngress(*spec, **stable, traffic);
      if (!canary.ok()) {
        errors.push_back(canary.error().message());
        continue;
      }
      auto applied = target.Apply(*canary, ControllerApply());
      if (!applied.ok()) errors.push_back("canary Ingress: " + applied.error().message());
    }
  }
  if (routing.gateway_api) {
    std::string ns = routing.gateway_api->ns.empty() ? spec->ns : routing.gateway_api->ns;
    for (const std::string& name : routing.gateway_api->http_routes) {
      auto route = target.Get({"gateway.networking.k8s.io", "HTTPRoute", ns, name}, "");
      if (!route.ok() || !route->has_value()) {
        errors.push_back(fmt::format("HTTPRoute {}/{} not found", ns, name));
        continue;
      }
      auto weighted = BuildHttpRouteWeights(**route, traffic);
      if (!weighted.ok()) {
        errors.push_back(weighted.error().message());
        continue;
      }
      auto applied = target.Apply(*weighted, ControllerApply());
      if (!applied.ok()) errors.push_back("HTTPRoute weights: " + applied.error().message());
    }
  }
  return errors;
}

std::vector<std::string> RolloutController::StartAnalysisRun(
    target::Target& target, const Value& rollout, const rollout::AnalysisRunRequest& request) {
  std::string ns(NamespaceOf(rollout));
  auto lookup = [&target, &ns](std::string_view name,
                               bool cluster_scope) -> Result<analysis::AnalysisTemplate> {
    const char* kind = cluster_scope ? "ClusterAnalysisTemplate" : "AnalysisTemplate";
    auto found = target.Get({"argoproj.io", kind, cluster_scope ? "" : ns, std::string(name)},
                            kRolloutApiVersion);
    if (!found.ok()) return found.error();
    if (!found->has_value()) {
      return Error::NotFound(fmt::format("{} \"{}\" not found", kind, name));
    }
    return analysis::ParseAnalysisTemplate(**found, fmt::format("{} {}", kind, name));
  };
  std::vector<analysis::AnalysisTemplate> templates;
  for (const rollout::AnalysisTemplateRef& ref : request.templates) {
    auto parsed = lookup(ref.template_name, ref.cluster_scope);
    if (!parsed.ok()) return {parsed.error().message()};
    templates.push_back(std::move(*parsed));
  }
  analysis::NewRunOptions options;
  options.name = std::string(request.metadata.StringAt({"name"}));
  options.ns = ns;
  for (const auto& [name, value] : request.args) {
    analysis::Argument argument;
    argument.name = name;
    argument.value = value;
    options.args.push_back(std::move(argument));
  }
  auto run = analysis::NewAnalysisRun(templates, options, lookup);
  if (!run.ok()) return {"AnalysisRun " + options.name + ": " + run.error().message()};
  Value object = analysis::AnalysisRunToValue(*run);
  object.Set("metadata", request.metadata);
  object.Erase("status");
  if (request.dry_run.is_array()) {
    Value& dry_run = object["spec"]["dryRun"];
    if (!dry_run.is_array()) dry_run = Value::MakeArray();
    for (const Value& entry : request.dry_run.as_array()) dry_run.as_array().push_back(entry);
  }
  if (!request.measurement_retention.is_null()) {
    object["spec"].Set("measurementRetention", request.measurement_retention);
  }
  auto applied = target.Apply(object, ControllerApply());
  if (!applied.ok())
    return {"create AnalysisRun " + options.name + ": " + applied.error().message()};
  return {};
}

void RolloutController::RunAnalyses(target::Target& target, rollout::TimePoint now) {
  for (const Value& object : ListOr(target, kRolloutApiVersion, "AnalysisRun", "")) {
    std::string where = fmt::format("AnalysisRun {}/{}", NamespaceOf(object), NameOf(object));
    auto run = analysis::ParseAnalysisRun(object, where);
    if (!run.ok()) {
      Log(LogLevel::kWarning, "{}", run.error().message());
      continue;
    }
    if (analysis::IsCompleted(run->status.phase)) continue;
    std::string ns(NamespaceOf(object));
    analysis::SecretLookup secrets =
        [&target, &ns](const analysis::SecretKeyRef& ref) -> Result<std::string> {
      auto secret = target.Get({"", "Secret", ns, ref.name}, "v1");
      if (!secret.ok()) return secret.error();
      const Value* data = secret->has_value() ? (*secret)->At({"data", ref.key}) : nullptr;
      if (data == nullptr || !data->is_string()) {
        return Error::NotFound(fmt::format("secret \"{}\" has no key {}", ref.name, ref.key));
      }
      std::optional<std::string> decoded = Base64Decode(data->as_string());
      if (!decoded) {
        return Error::Invalid(fmt::format("secret \"{}\" key {}: not base64", ref.name, ref.key));
      }
      return *decoded;
    };
    Value before = analysis::AnalysisRunToValue(*run);
    if (measurer_ == nullptr) {
      analysis::Reconcile(*run, now, provider_, secrets);
    } else {
      std::string key = fmt::format("{}|{}/{}", target.Describe(), ns, NameOf(object));
      if (measurer_->InFlight(key)) continue;  // its results are recorded on a later pass
      if (auto batch = measurer_->Take(key)) {
        analysis::RecordMeasurements(*run, batch->due, batch->results, batch->finished_at);
      } else if (auto due = analysis::DueMeasurements(*run, now, secrets); !due.ok()) {
        analysis::FailRun(*run, due.error(), now);
      } else if (due->empty()) {
        analysis::AssessRun(*run, now);
      } else {
        measurer_->Submit(key, std::move(*due));
        continue;
      }
    }
    Value after = analysis::AnalysisRunToValue(*run);
    if (after == before) continue;
    Value status = ObjectNamed(kRolloutApiVersion, "AnalysisRun", NameOf(object), ns);
    status.Set("status", *after.Find("status"));
    target::ApplyOptions options = ControllerApply();
    options.status = true;
    if (auto applied = target.Apply(status, options); !applied.ok()) {
      Log(LogLevel::kWarning, "{}: write status: {}", where, applied.error().message());
    } else if (analysis::IsCompleted(run->status.phase)) {
      Wake();  // its Rollout acts on the verdict in the next pass, not a resync later
    }
  }
}

}  // namespace capstan::controller
