// Reconcile step 4: the policy verdict on what would be deployed. By default findings are
// reported and do not block (Argo CD's example apps use `latest` and must still deploy);
// `capstan.dev/policy-enforce: "true"` makes error-level findings block the sync.
#include <fmt/format.h>

#include "controller/app_controller.h"
#include "controller/app_state.h"
#include "core/fs.h"
#include "policy/policy.h"

namespace capstan::controller {

namespace {

// status.policy lists at most this many findings; the counts stay exact.
constexpr size_t kMaxReportedFindings = 50;

}  // namespace

Result<AppController::PolicyVerdict> AppController::CheckPolicy(
    const Application& app, const Revision& revision, const std::vector<Manifest>& desired) {
  policy::PolicyConfig config;
  if (!app.capstan.policy_rules.empty()) {
    // The rules file is read from the same commit, through RootedFs so it cannot leave it.
    auto fs = RootedFs::Open(revision.checkout);
    if (!fs.ok()) return fs.error();
    auto path = fs->Resolve(".", app.capstan.policy_rules);
    if (!path.ok()) return path.error().Wrap("capstan.dev/policy-rules");
    auto loaded = policy::LoadPolicyFile(*path);
    if (!loaded.ok()) return loaded.error();
    config = std::move(*loaded);
  }
  policy::Report report = policy::Evaluate(desired, config);

  PolicyVerdict verdict;
  verdict.summary = Value::MakeObject();
  int errors = report.Count(policy::Severity::kError);
  int warnings = report.Count(policy::Severity::kWarning);
  verdict.summary.Set("enforced", app.capstan.policy_enforce);
  verdict.summary.Set("errors", errors);
  verdict.summary.Set("warnings", warnings);
  verdict.summary.Set("summary", fmt::format("{} error(s), {} warning(s){}", errors, warnings,
                                             app.capstan.policy_enforce ? ", enforced" : ""));
  Value findings = Value::MakeArray();
  for (const policy::Finding& finding : report.findings) {
    if (findings.size() >= kMaxReportedFindings) break;
    Value entry = Value::MakeObject();
    entry.Set("rule", finding.rule);
    entry.Set("severity", policy::SeverityName(finding.severity));
    entry.Set("object", finding.object.ToString());
    entry.Set("message", finding.Summary());
    findings.as_array().push_back(std::move(entry));
  }
  verdict.summary.Set("findings", std::move(findings));

  if (app.capstan.policy_enforce && errors > 0) {
    verdict.blocked = true;
    std::string message = fmt::format("blocked by policy ({} error(s)):", errors);
    for (const policy::Finding& finding : report.findings) {
      if (finding.severity != policy::Severity::kError) continue;
      message += fmt::format(" [{}] {};", finding.rule, finding.Summary());
    }
    message.pop_back();
    verdict.block_message = std::move(message);
  }
  return verdict;
}

}  // namespace capstan::controller
