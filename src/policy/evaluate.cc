// The dispatcher: run each enabled rule, drop what annotations suppress, stamp the rest with
// rule, severity and object, and order them as the objects appear in the input.
#include <algorithm>

#include "policy/internal/catalogue.h"
#include "policy/internal/check.h"
#include "policy/internal/suppression.h"
#include "policy/internal/user_rules.h"
#include "policy/policy.h"

namespace capstan::policy {
namespace {

struct Ordered {
  size_t manifest;
  size_t rule;  // position among the rules that ran
  Finding finding;
};

Severity EffectiveSeverity(const PolicyConfig& config, const std::string& id, Severity own) {
  auto it = config.severities.find(id);
  return it == config.severities.end() ? own : it->second;
}

// Stamps `sink`'s findings for `rule` (the rule at position `order`) into `out`.
void Collect(const std::vector<Manifest>& manifests, const Rule& rule, size_t order,
             internal::FindingSink& sink, std::vector<Ordered>& out, int& suppressed) {
  for (internal::RawFinding& raw : sink.findings()) {
    const Manifest& m = manifests[raw.manifest];
    if (internal::IsSuppressed(m.object, rule.id)) {
      ++suppressed;
      continue;
    }
    Finding f{rule.id,
              rule.severity,
              KeyOf(m.object),
              m.source,
              std::move(raw.path),
              std::move(raw.value),
              std::move(raw.message)};
    out.push_back({raw.manifest, order, std::move(f)});
  }
}

}  // namespace

Report Evaluate(const std::vector<Manifest>& manifests, const PolicyConfig& config) {
  Report report;
  std::vector<Ordered> ordered;
  internal::CheckInput input{manifests, config};

  for (const internal::BuiltinRule& builtin : internal::Catalogue()) {
    std::string id(builtin.id);
    if (config.disabled.count(id) != 0) continue;
    Rule rule{id, EffectiveSeverity(config, id, builtin.severity), std::string(builtin.description),
              id, ""};
    internal::FindingSink sink;
    builtin.check(input, sink);
    Collect(manifests, rule, report.rules.size(), sink, ordered, report.suppressed);
    report.rules.push_back(std::move(rule));
  }
  for (const UserRule& user : config.user_rules) {
    if (config.disabled.count(user.rule.id) != 0) continue;
    Rule rule = user.rule;
    rule.severity = EffectiveSeverity(config, rule.id, rule.severity);
    internal::FindingSink sink;
    internal::CheckUserRule(user, input, sink);
    Collect(manifests, rule, report.rules.size(), sink, ordered, report.suppressed);
    report.rules.push_back(std::move(rule));
  }

  // Stable: within one object and rule, findings keep the order the check found them in
  // (containers[2] before containers[10]).
  std::stable_sort(ordered.begin(), ordered.end(), [](const Ordered& a, const Ordered& b) {
    return a.manifest != b.manifest ? a.manifest < b.manifest : a.rule < b.rule;
  });
  report.findings.reserve(ordered.size());
  for (Ordered& o : ordered) report.findings.push_back(std::move(o.finding));
  return report;
}

}  // namespace capstan::policy
