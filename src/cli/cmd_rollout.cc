// `capstan rollout ...`: kubectl argo rollouts' verbs through capstan server, so they work on
// any destination (a cluster or the local target) and land in the audit log with who did it.
//   get NAME [--watch] [-o json]    status, step, weights, revisions, analysis measurements
//   list                            every Rollout the Applications declare
//   status NAME [--timeout]         wait until Healthy (0) or Degraded (1), as Argo's status
//   history NAME [--limit N]        every step of its releases, with the versions involved
//   promote NAME [--full] | abort NAME | retry NAME | pause NAME | resume NAME
//   undo NAME [--to-revision N]     a Rollout back to an earlier revision's pod template
//   undo deployment/NAME --app APP  `kubectl rollout undo` of a Deployment
// Like `kubectl argo rollouts`, the resource type may be given first: `get rollout web`.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <thread>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "cli/rollout_view.h"
#include "core/json.h"

namespace capstan::cli {
namespace {

constexpr auto kWatchInterval = std::chrono::seconds(1);

struct RolloutFlags {
  std::string server;
  std::vector<std::string> args;  // [TYPE] NAME
  std::string app;
  std::string ns;
  std::string output;
  bool watch = false;
  bool full = false;
  int64_t to_revision = 0;
  int timeout_seconds = 0;
  int limit = 0;
};

// NAME from `[rollout|rollouts|ro] NAME` or `rollout/NAME`; `kind` gets "deployment" for
// `deployment/NAME`.
std::string NameOf(const RolloutFlags& flags, std::string* kind = nullptr) {
  std::vector<std::string> args = flags.args;
  if (args.size() == 2) args.erase(args.begin());
  std::string name = args.empty() ? "" : args.front();
  std::string type = flags.args.size() == 2 ? flags.args.front() : "";
  if (size_t slash = name.find('/'); slash != std::string::npos) {
    type = name.substr(0, slash);
    name = name.substr(slash + 1);
  }
  if (kind != nullptr) {
    bool deployment = type == "deployment" || type == "deployments" || type == "deploy" ||
                      type == "deployment.apps";
    *kind = deployment ? "deployment" : "rollout";
  }
  return name;
}

std::string RolloutPath(const RolloutFlags& flags, const std::string& name) {
  std::string path = "/api/v1/rollouts/" + name;
  std::string query;
  auto add = [&query](const std::string& parameter) {
    query += (query.empty() ? "" : "&") + parameter;
  };
  if (!flags.ns.empty()) add("namespace=" + flags.ns);
  if (!flags.app.empty()) add("app=" + flags.app);
  if (flags.limit > 0) add("history=" + std::to_string(flags.limit));
  return query.empty() ? path : path + "?" + query;
}

int Fail(std::string_view verb, const Error& error) {
  fmt::print(stderr, "capstan rollout {}: {}\n", verb, error.message());
  return 1;
}

int Get(const RolloutFlags& flags) {
  ApiClient client(ResolveApiClientOptions(flags.server, ""));
  std::string path = RolloutPath(flags, NameOf(flags));
  std::string shown;
  bool clear = flags.watch && isatty(STDOUT_FILENO) == 1;
  while (true) {
    auto view = client.GetJson(path);
    if (!view.ok()) return Fail("get", view.error());
    std::string text =
        flags.output == "json" ? EmitJson(*view, 2) + "\n" : FormatRolloutView(*view);
    if (text != shown) {
      fmt::print("{}{}", clear ? "\033[H\033[2J" : (shown.empty() ? "" : "\n"), text);
      std::fflush(stdout);
      shown = std::move(text);
    }
    if (!flags.watch) return 0;
    std::this_thread::sleep_for(kWatchInterval);
  }
}

int History(const RolloutFlags& flags) {
  ApiClient client(ResolveApiClientOptions(flags.server, ""));
  auto view = client.GetJson(RolloutPath(flags, NameOf(flags)));
  if (!view.ok()) return Fail("history", view.error());
  static const Value kNone = Value::MakeArray();
  const Value* steps = view->Find("history");
  fmt::print("{}", flags.output == "json" ? EmitJson(steps != nullptr ? *steps : kNone, 2) + "\n"
                                          : FormatRolloutHistory(*view));
  return 0;
}

int List(const RolloutFlags& flags) {
  ApiClient client(ResolveApiClientOptions(flags.server, ""));
  auto list = client.GetJson("/api/v1/rollouts");
  if (!list.ok()) return Fail("list", list.error());
  fmt::print("{}", flags.output == "json" ? EmitJson(*list, 2) + "\n" : FormatRolloutList(*list));
  return 0;
}

// Argo's `status`: waits for Healthy (exit 0) or Degraded (exit 1); a Paused Rollout is
// reported and waited on, since a person or an analysis moves it on.
int WaitStatus(const RolloutFlags& flags) {
  ApiClient client(ResolveApiClientOptions(flags.server, ""));
  std::string path = RolloutPath(flags, NameOf(flags));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(flags.timeout_seconds);
  std::string shown;
  while (true) {
    auto view = client.GetJson(path);
    if (!view.ok()) return Fail("status", view.error());
    std::string phase(view->StringAt({"summary", "phase"}));
    std::string message(view->StringAt({"summary", "message"}));
    std::string line = message.empty() ? phase : fmt::format("{} - {}", phase, message);
    if (line != shown) fmt::print("{}\n", line);
    std::fflush(stdout);
    shown = line;
    if (phase == "Healthy") return 0;
    if (phase == "Degraded") return 1;
    if (flags.timeout_seconds > 0 && std::chrono::steady_clock::now() >= deadline) {
      fmt::print(stderr, "capstan rollout status: timed out after {} s waiting for {}\n",
                 flags.timeout_seconds, NameOf(flags));
      return 1;
    }
    std::this_thread::sleep_for(kWatchInterval);
  }
}

int UndoDeployment(const RolloutFlags& flags, const std::string& name) {
  if (flags.app.empty()) {
    fmt::print(stderr, "capstan rollout undo: deployment/{}: --app is required\n", name);
    return 2;
  }
  ApiClient client(ResolveApiClientOptions(flags.server, ""));
  Value body = Value::MakeObject();
  body.Set("deployment", name);
  if (!flags.ns.empty()) body.Set("namespace", flags.ns);
  if (flags.to_revision > 0) body.Set("toRevision", flags.to_revision);
  auto answer = client.PostJson("/api/v1/applications/" + flags.app + "/rollout-undo", body);
  if (!answer.ok()) return Fail("undo", answer.error());
  fmt::print("{}\n", answer->StringAt({"message"}));
  return 0;
}

int Steer(const RolloutFlags& flags, const std::string& action) {
  std::string kind;
  std::string name = NameOf(flags, &kind);
  if (kind == "deployment") {
    if (action == "undo") return UndoDeployment(flags, name);
    fmt::print(stderr, "capstan rollout {}: deployment/{}: only Rollouts can be {}d\n", action,
               name, action);
    return 2;
  }
  ApiClient client(ResolveApiClientOptions(flags.server, ""));
  Value body = Value::MakeObject();
  if (!flags.ns.empty()) body.Set("namespace", flags.ns);
  if (!flags.app.empty()) body.Set("app", flags.app);
  if (flags.full) body.Set("full", true);
  if (flags.to_revision > 0) body.Set("toRevision", flags.to_revision);
  auto answer = client.PostJson("/api/v1/rollouts/" + name + "/" + action, body);
  if (!answer.ok()) return Fail(action, answer.error());
  fmt::print("{}\n", answer->StringAt({"message"}));
  return 0;
}

CLI::App* AddVerb(CLI::App& parent, const std::string& verb, const std::string& help,
                  const std::shared_ptr<RolloutFlags>& flags) {
  auto* cmd = parent.add_subcommand(verb, help);
  cmd->add_option("NAME", flags->args, "[rollout] NAME, or TYPE/NAME")->required()->expected(1, 2);
  cmd->add_option("-n,--namespace", flags->ns, "Namespace (when the name alone is ambiguous)");
  cmd->add_option("--app", flags->app, "The Application that declares it");
  return cmd;
}

}  // namespace

void AddRolloutCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<RolloutFlags>();
  auto* cmd = app.add_subcommand("rollout", "Watch and steer Rollouts through capstan server");
  cmd->require_subcommand(1);
  cmd->fallthrough();
  cmd->add_option("--server", flags->server,
                  "capstan server address (default $CAPSTAN_SERVER or http://127.0.0.1:8080)");

  auto* get = AddVerb(*cmd, "get", "Show a Rollout: step, weights, revisions, analysis", flags);
  get->add_flag("-w,--watch", flags->watch, "Keep showing it as it changes (Ctrl-C stops)");
  get->add_option("-o,--output", flags->output, "json for the whole answer");
  get->callback([flags, &exit_code] { exit_code = Get(*flags); });

  auto* list = cmd->add_subcommand("list", "Every Rollout the Applications declare");
  list->add_option("-o,--output", flags->output, "json for the whole answer");
  list->callback([flags, &exit_code] { exit_code = List(*flags); });

  auto* status =
      AddVerb(*cmd, "status", "Wait until a Rollout is Healthy (0) or Degraded (1)", flags);
  status->add_option("--timeout", flags->timeout_seconds, "Give up after this many seconds");
  status->callback([flags, &exit_code] { exit_code = WaitStatus(*flags); });

  auto* history = AddVerb(*cmd, "history", "Every step of its releases, oldest first", flags);
  history->add_option("--limit", flags->limit, "The latest N steps (default 50)");
  history->add_option("-o,--output", flags->output, "json for the records");
  history->callback([flags, &exit_code] { exit_code = History(*flags); });

  auto* promote = AddVerb(*cmd, "promote", "End the current pause or step and go on", flags);
  promote->add_flag("--full", flags->full, "Skip every remaining step, pause and analysis");
  promote->callback([flags, &exit_code] { exit_code = Steer(*flags, "promote"); });
  for (const auto& [verb, help] : std::vector<std::pair<std::string, std::string>>{
           {"abort", "Send all traffic back to stable; Degraded until retry or a new release"},
           {"retry", "Start an aborted release again from its first step"},
           {"pause", "Hold the Rollout where it is (spec.paused)"},
           {"resume", "Let a paused Rollout go on"}}) {
    auto* verb_cmd = AddVerb(*cmd, verb, help, flags);
    verb_cmd->callback([flags, &exit_code, verb = verb] { exit_code = Steer(*flags, verb); });
  }
  auto* undo = AddVerb(
      *cmd, "undo",
      "Back to an earlier revision's pod template (a Rollout, or deployment/NAME with --app)",
      flags);
  undo->add_option("--to-revision", flags->to_revision,
                   "Revision to go back to (default: the previous one)");
  undo->callback([flags, &exit_code] { exit_code = Steer(*flags, "undo"); });
}

}  // namespace capstan::cli
