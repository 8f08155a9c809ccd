// `capstan lint PATH`: render PATH (plain YAML, Kustomize or Helm, as `capstan render` would)
// and check the objects against the policy catalogue and an optional policy file, like
// kube-linter. Exit 0 when no finding reaches --fail-on, 1 when one does, 2 on input errors
// (PATH or the policy file cannot be read, rendered or parsed; an unknown rule id).
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/version.h"
#include "core/json.h"
#include "core/log.h"
#include "policy/policy.h"
#include "render/render.h"

namespace capstan::cli {
namespace {

namespace fs = std::filesystem;

struct LintFlags {
  std::string path;
  std::string root;
  std::string format = "text";
  std::string policy_file;
  std::string fail_on = "error";
  std::vector<std::string> disable;
  bool list_rules = false;
  // How to render, as `capstan render` takes them (Helm charts and Kustomize fallbacks).
  std::string release_name;
  std::string namespace_;
  std::vector<std::string> value_files;
  std::vector<std::string> set;
  std::vector<std::string> set_string;
  std::string helm = "helm";
  std::string kustomize_fallback;
};

// The repository root that contains `absolute` (a normalized absolute path): the nearest
// folder above it (or itself) holding .git, so Kustomize overlays may reach ../base and
// reports name files as the repository does. Without one, the folder itself (or a file's).
fs::path DefaultRoot(const fs::path& absolute, bool is_file) {
  std::error_code error;
  fs::path folder = is_file ? absolute.parent_path() : absolute;
  for (fs::path at = folder; !at.empty(); at = at.parent_path()) {
    if (fs::exists(at / ".git", error)) return at;
    if (at == at.root_path()) break;
  }
  return folder;
}

// What to render: a folder through the generator its files call for, a single file as a
// directory render of just that file.
Result<render::RenderRequest> RequestFor(const LintFlags& flags) {
  std::error_code error;
  fs::path path(flags.path);
  if (!fs::exists(path, error)) {
    return Error::NotFound(fmt::format("{}: no such file or folder", flags.path));
  }
  fs::path absolute = fs::absolute(path, error).lexically_normal();
  if (absolute.has_relative_path() && !absolute.has_filename()) absolute = absolute.parent_path();
  bool is_file = !fs::is_directory(absolute, error);
  fs::path folder = is_file ? absolute.parent_path() : absolute;
  render::RenderRequest request;
  request.root = flags.root.empty() ? DefaultRoot(absolute, is_file)
                                    : fs::absolute(flags.root, error).lexically_normal();
  fs::path relative = folder.lexically_relative(request.root);
  if (relative.empty() || *relative.begin() == "..") {
    return Error::Invalid(
        fmt::format("{}: outside the root {} (set --root to a folder that contains it)", flags.path,
                    request.root.string()));
  }
  request.path = relative.generic_string();
  if (is_file) {
    request.kind = render::SourceKind::kDirectory;
    request.directory.recurse = false;
    request.directory.include = {absolute.filename().string()};
  }
  request.kustomize.fallback_binary = flags.kustomize_fallback;
  request.helm.release_name = flags.release_name;
  request.helm.namespace_ = flags.namespace_;
  request.helm.helm_binary = flags.helm;
  // Values files are named as the shell sees them; helm wants them relative to the chart.
  for (const std::string& file : flags.value_files) {
    fs::path value_file = fs::absolute(file, error).lexically_normal();
    request.helm.value_files.push_back(value_file.lexically_relative(folder).generic_string());
  }
  // helm applies every --set before every --set-string, so their order here does not matter.
  for (bool is_string : {false, true}) {
    for (const std::string& text : is_string ? flags.set_string : flags.set) {
      size_t eq = text.find('=');
      if (eq == std::string::npos || eq == 0) {
        return Error::Invalid(
            fmt::format("{} {}: expected NAME=VALUE", is_string ? "--set-string" : "--set", text));
      }
      request.helm.parameters.push_back({text.substr(0, eq), text.substr(eq + 1), is_string});
    }
  }
  return request;
}

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
  if (flags.path.empty()) {
    return fail(Error::Invalid("PATH is required: the folder or file to lint"));
  }

  auto request = RequestFor(flags);
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
  cmd->add_option("PATH", flags->path,
                  "Folder to render (plain YAML, Kustomize or Helm chart) or one YAML file");
  cmd->add_option("--root", flags->root,
                  "Folder nothing outside of which is read (default: the Git work tree "
                  "holding PATH, else PATH's folder)");
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
  // Rendering options, the same as `capstan render`'s.
  cmd->add_option("--release-name", flags->release_name,
                  "Helm: release name (default: the chart folder's name)");
  cmd->add_option("-n,--namespace", flags->namespace_,
                  "Helm: namespace passed to helm template (default: default)");
  cmd->add_option("-f,--values", flags->value_files,
                  "Helm: values file, inside the root; repeatable, later files win")
      ->allow_extra_args(false);
  cmd->add_option("--set", flags->set, "Helm: set a value, NAME=VALUE; repeatable")
      ->type_name("NAME=VALUE")
      ->allow_extra_args(false);
  cmd->add_option("--set-string", flags->set_string,
                  "Helm: set a value as a string, NAME=VALUE; repeatable")
      ->type_name("NAME=VALUE")
      ->allow_extra_args(false);
  cmd->add_option("--helm", flags->helm, "Helm: the helm binary (default: helm on PATH)");
  cmd->add_option("--kustomize-fallback", flags->kustomize_fallback,
                  "Kustomize: a kustomize binary for features capstan does not build natively");
  cmd->callback([flags, &exit_code] { exit_code = RunLint(*flags); });
}

}  // namespace capstan::cli
