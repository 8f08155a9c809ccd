// Building an AnalysisRun from templates, as Argo's NewAnalysisRunFromTemplates does
// (utils/analysis/helpers.go): flatten, merge args, check every arg is resolved.
#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "rollout/analysis/analysis.h"

namespace capstan::rollout::analysis {
namespace {

// How deep spec.templates references may nest; deeper is almost surely a cycle.
constexpr int kMaxTemplateDepth = 10;

std::string Describe(const AnalysisTemplate& t) {
  return (t.cluster_scope() ? "ClusterAnalysisTemplate " : "AnalysisTemplate ") + t.name;
}

// Adds `t` and the templates it references, each once (Argo keeps a template referenced
// twice along the chain only once).
Status Collect(const AnalysisTemplate& t, const TemplateLookup& lookup, int depth,
               std::set<std::pair<bool, std::string>>& seen, std::vector<AnalysisTemplate>& order) {
  if (!seen.insert({t.cluster_scope(), t.name}).second) return OkStatus();
  if (depth > kMaxTemplateDepth) {
    return Error::Invalid(Describe(t) + ": spec.templates nested more than " +
                          std::to_string(kMaxTemplateDepth) + " deep");
  }
  order.push_back(t);
  for (const TemplateRef& ref : t.templates) {
    if (!lookup) {
      return Error::NotFound(Describe(t) + ": spec.templates refers to " + ref.template_name +
                             ", but no template lookup was given");
    }
    auto referenced = lookup(ref.template_name, ref.cluster_scope);
    if (!referenced.ok())
      return std::move(referenced).error().Wrap(Describe(t) + ": spec.templates");
    CAPSTAN_TRY(Collect(*referenced, lookup, depth + 1, seen, order));
  }
  return OkStatus();
}

// Argo's flattenArgs: the same arg twice must agree on its value; a value wins over none.
Status AddArg(std::vector<Argument>& args, const Argument& arg) {
  for (Argument& previous : args) {
    if (previous.name != arg.name) continue;
    if (previous.value && arg.value && *previous.value != *arg.value) {
      return Error::Invalid("Argument `" + arg.name +
                            "` specified multiple times with different values: '" +
                            *previous.value + "', '" + *arg.value + "'");
    }
    if (!previous.value) previous = arg;
    return OkStatus();
  }
  args.push_back(arg);
  return OkStatus();
}

}  // namespace

Result<AnalysisRun> NewAnalysisRun(const std::vector<AnalysisTemplate>& templates,
                                   const NewRunOptions& options, const TemplateLookup& lookup) {
  std::set<std::pair<bool, std::string>> seen;
  std::vector<AnalysisTemplate> all;
  for (const AnalysisTemplate& t : templates) CAPSTAN_TRY(Collect(t, lookup, 0, seen, all));
  // AnalysisTemplates first, then ClusterAnalysisTemplates, each in the order given.
  std::stable_partition(all.begin(), all.end(),
                        [](const AnalysisTemplate& t) { return !t.cluster_scope(); });

  AnalysisRun run;
  run.metadata = Value::MakeObject();
  if (!options.name.empty()) run.metadata.Set("name", options.name);
  if (!options.generate_name.empty()) run.metadata.Set("generateName", options.generate_name);
  if (!options.ns.empty()) run.metadata.Set("namespace", options.ns);
  std::set<std::string> metric_names;
  for (const AnalysisTemplate& t : all) {
    for (const Value& metric : t.metrics) {
      std::string name(metric.StringAt({"name"}));
      if (!metric_names.insert(name).second) {
        return Error::Invalid("two metrics have the same name '" + name + "'");
      }
      run.spec.metrics.push_back(metric);
    }
    for (const Argument& arg : t.args) CAPSTAN_TRY(AddArg(run.spec.args, arg));
    for (const DryRun& rule : t.dry_run) run.spec.dry_run.push_back(rule);
    for (const MeasurementRetention& rule : t.measurement_retention) {
      run.spec.measurement_retention.push_back(rule);
    }
  }
  if (run.spec.metrics.empty()) return Error::Invalid("no metrics specified");

  // Argo's MergeArgs: the caller's args override the templates' of the same name; args the
  // templates do not declare are dropped.
  for (const Argument& incoming : options.args) {
    for (Argument& arg : run.spec.args) {
      if (arg.name != incoming.name) continue;
      if (incoming.value) {
        arg.value = incoming.value;
      } else if (incoming.secret_key_ref) {
        arg.secret_key_ref = incoming.secret_key_ref;
      }
    }
  }
  for (const Argument& arg : run.spec.args) {
    if (!arg.value && !arg.secret_key_ref) {
      return Error::Invalid("args." + arg.name + " was not resolved");
    }
  }

  std::vector<DryRun> dry_run = options.dry_run;
  dry_run.insert(dry_run.end(), run.spec.dry_run.begin(), run.spec.dry_run.end());
  for (size_t i = 0; i < dry_run.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (dry_run[i].metric_name == dry_run[j].metric_name) {
        return Error::Invalid("two Dry-Run metric rules have the same name '" +
                              dry_run[i].metric_name + "'");
      }
    }
  }
  run.spec.dry_run = std::move(dry_run);
  std::vector<MeasurementRetention> retention = options.measurement_retention;
  retention.insert(retention.end(), run.spec.measurement_retention.begin(),
                   run.spec.measurement_retention.end());
  for (size_t i = 0; i < retention.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (retention[i].metric_name == retention[j].metric_name) {
        return Error::Invalid("two Measurement Retention metric rules have the same name '" +
                              retention[i].metric_name + "'");
      }
    }
  }
  run.spec.measurement_retention = std::move(retention);
  return run;
}

}  // namespace capstan::rollout::analysis
