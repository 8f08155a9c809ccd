// `capstan lint PATH`: render PATH (plain YAML, Kustomize or Helm, as `capstan render` would)
// and check the objects against the policy catalogue and an optional policy file, like
// kube-linter. Exit 0 when no finding reaches --fail-on, 1 when one does, 2 on input errors
// (PATH or the policy file cannot be read, rendered or parsed; an unknown rule id).
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/render_flags.h"
#include "cli/version.h"
#include "core/json.h"
#include "core/log.h"
#include "policy/policy.h"
#include "render/render.h"

namespace capstan::cli {
namespace {

struct LintFlags {
  RenderFlags render;  // PATH and how to render it, as `capstan render` takes them
  std::string format = "text";
  std::string policy_file;
  std::string fail_on = "error";
  std::vector<std::string> disable;
  bool list_rules = false;
};

policy::Severity FailThreshold(const std::string& fail_on) {
  return policy::ParseSeverity(fail_on).value_or(policy::Severity::kError);
}

int ListRules(const LintFlags& flags, const policy::PolicyConfig& config) {
  std::vector<policy::Rule> rules = policy::BuiltinRules();
  for (const policy::UserRule& user : config.user_rules) rules.push_back(user.rule);
  if (flags.format == "json") {
    Value list = Value::MakeArray();
    for (const policy::Rule& rule : rules) {
      auto effective = policy::FindRule(config, rule.id);
      Value entry = Value::MakeObject();
      entry.Set("id", rule.id);
      entry.Set("severity", policy::SeverityName(effective->severity));
      entry.Set("enabled", config.disabled.count(rule.id) == 0);
      entry.Set("description", rule.description);
      list.as_array().push_back(std::move(entry));
    }
    fmt::print("{}\n", EmitJson(list, 2));
    return 0;
  }
  size_t width = 0;
  for (const policy::Rule& rule : rules) width = std::max(width, rule.id.size());
  for (const policy::Rule& rule : rules) {
    auto effective = policy::FindRule(config, rule.id);
    std::string severity(policy::SeverityName(effective->severity));
    if (config.disabled.count(rule.id) != 0) severity = "off";
    fmt::print("{:<{}}  {:<7}  {}\n", rule.id, width, severity, rule.description);
  }
  return 0;
}

// 0 nothing at or above --fail-on, 1 findings that are, 2 errors.
int RunLint(const LintFlags& flags) {
  auto fail = [](const Error& error) {
    fmt::print(stderr, "capstan lint: {}\n", error.message());
    return 2;
  };
  policy::PolicyConfig config;
  if (!flags.policy_file.empty()) {
    auto loaded = policy::LoadPolicyFile(flags.policy_file);
    if (!loaded.ok()) return fail(loaded.error());
    config = std::move(loaded).value();
  }
  for (const std::string& id : flags.disable) {
    if (!policy::FindRule(config, id)) {
      return fail(Error::Invalid(fmt::format(
          "--disable {}: no rule is called \"{}\" (`capstan lint --list-rules` lists them)", id,
          id)));
    }
    config.disabled.insert(id);
  }
  if (flags.list_rules) return ListRules(flags, config);
  if (flags.render.path.empty()) {
    return fail(Error::Invalid("PATH is required: the folder or file to lint"));
  }

  auto request = BuildRenderRequest(flags.render);
  if (!request.ok()) return fail(request.error());
  Log(LogLevel::kInfo, "rendering {} under {}", request->path, request->root.string());
  auto rendered = render::Render(*request);
  if (!rendered.ok()) return fail(rendered.error());
  config.expected_namespace = rendered->kustomize_namespace;
  Log(LogLevel::kInfo, "checking {} objects rendered by {}", rendered->manifests.size(),
      render::SourceKindName(rendered->kind));

  policy::Report report = policy::Evaluate(rendered->manifests, config);
  if (flags.format == "json") {
    fmt::print("{}", policy::FormatJson(report));
  } else if (flags.format == "sarif") {
    policy::SarifOptions options;
    options.tool_version = kVersion;
    fmt::print("{}", policy::FormatSarif(report, options));
  } else {
    fmt::print("{}", policy::FormatText(report));
  }
  std::fflush(stdout);
  if (flags.fail_on == "none") return 0;
  return report.HasAtLeast(FailThreshold(flags.fail_on)) ? 1 : 0;
}

}  // namespace

void AddLintCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<LintFlags>();
  auto* cmd = app.add_subcommand(
      "lint",
      "Render PATH and check the objects against the policy rules (exit 0 clean, 1 findings "
      "at or above --fail-on, 2 errors)");
  cmd->add_option("PATH", flags->render.path,
                  "Folder to render (plain YAML, Kustomize or Helm chart) or one YAML file");
  cmd->add_option("-o,--format", flags->format, "Report format")
      ->check(CLI::IsMember({"text", "json", "sarif"}))
      ->capture_default_str();
  cmd->add_option("--policy", flags->policy_file,
                  "Policy file (apiVersion capstan.dev/v1alpha1, kind Policy): user rules, "
                  "disabled rules, severities");
  cmd->add_option("--fail-on", flags->fail_on,
                  "Exit 1 when a finding has this severity or worse; none never fails")
      ->check(CLI::IsMember({"error", "warning", "info", "none"}))
      ->capture_default_str();
  cmd->add_option("--disable", flags->disable, "Do not run this rule (repeatable, or a,b,c)")
      ->delimiter(',')
      ->allow_extra_args(false);
  cmd->add_flag("--list-rules", flags->list_rules,
                "Print the rules (with --policy, its rules and settings too) and exit");
  AddRenderFlags(*cmd, flags->render);
  cmd->callback([flags, &exit_code] { exit_code = RunLint(*flags); });
}

}  // namespace capstan::cli
