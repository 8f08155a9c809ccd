// The JSON format. Its schema is documented in docs/policy.md and is a contract: add
// fields, never rename or remove them.
#include "core/json.h"
#include "policy/policy.h"

namespace capstan::policy {
namespace {

Value ObjectKeyValue(const ObjectKey& key) {
  Value out = Value::MakeObject();
  out.Set("group", key.group);
  out.Set("kind", key.kind);
  out.Set("namespace", key.ns);
  out.Set("name", key.name);
  return out;
}

}  // namespace

std::string FormatJson(const Report& report) {
  Value doc = Value::MakeObject();
  doc.Set("apiVersion", "capstan.dev/v1alpha1");
  doc.Set("kind", "LintReport");

  Value rules = Value::MakeArray();
  for (const Rule& r : report.rules) {
    Value rule = Value::MakeObject();
    rule.Set("id", r.id);
    rule.Set("severity", SeverityName(r.severity));
    rule.Set("description", r.description);
    rules.as_array().push_back(std::move(rule));
  }
  doc.Set("rules", std::move(rules));

  Value findings = Value::MakeArray();
  for (const Finding& f : report.findings) {
    Value finding = Value::MakeObject();
    finding.Set("rule", f.rule);
    finding.Set("severity", SeverityName(f.severity));
    finding.Set("object", ObjectKeyValue(f.object));
    finding.Set("source", f.source);
    finding.Set("path", f.path);
    if (f.value) finding.Set("value", *f.value);
    finding.Set("message", f.message);
    finding.Set("summary", f.Summary());
    findings.as_array().push_back(std::move(finding));
  }
  doc.Set("findings", std::move(findings));

  Value summary = Value::MakeObject();
  summary.Set("error", report.Count(Severity::kError));
  summary.Set("warning", report.Count(Severity::kWarning));
  summary.Set("info", report.Count(Severity::kInfo));
  summary.Set("suppressed", report.suppressed);
  doc.Set("summary", std::move(summary));
  return EmitJson(doc, 2) + "\n";
}

}  // namespace capstan::policy
