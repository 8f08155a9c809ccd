// `capstan app list|get|diff|sync|history|rollback`: watch and steer Applications through a
// running `capstan server`, with the verbs and columns of `argocd app`.
// Exit codes: 0 success; 1 the operation ended Failed or Error (sync, rollback) or the
// Application differs from Git (diff); 2 usage errors or the server refused the request.
#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <map>
#include <string>
#include <thread>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "core/json.h"
#include "core/yaml.h"

namespace capstan::cli {
namespace {

using namespace std::chrono_literals;

// How often `app sync` polls while it waits; the server's status changes per wave.
constexpr auto kSyncPollInterval = 250ms;

struct AppFlags {
  std::string server;
  std::string name;
  std::string output = "wide";
  std::string revision;
  bool prune = false;
  bool dry_run = false;
  bool async = false;
  bool git_revert = false;
  int history_id = 0;
  int timeout_seconds = 600;
};

std::string Path(const std::string& name, const std::string& tail = "") {
  return "/api/v1/applications/" + name + tail;
}

int Fail(const Error& error) {
  fmt::print(stderr, "capstan app: {}\n", error.message());
  return 2;
}

std::string Str(const Value& value, std::initializer_list<std::string_view> path,
                std::string_view fallback = "") {
  return std::string(value.StringAt(path, fallback));
}

std::string FormatTime(const Value& value, std::initializer_list<std::string_view> path) {
  std::string text = Str(value, path);
  return text.empty() ? "-" : text;
}

std::string ShortRevision(std::string_view revision) { return std::string(revision.substr(0, 7)); }

void PrintResourceTable(const Value& resources) {
  if (!resources.is_array() || resources.empty()) return;
  fmt::print("\n{:<12} {:<22} {:<16} {:<28} {:<10} {:<12} {}\n", "GROUP", "KIND", "NAMESPACE",
             "NAME", "STATUS", "HEALTH", "MESSAGE");
  for (const Value& r : resources.as_array()) {
    fmt::print("{:<12} {:<22} {:<16} {:<28} {:<10} {:<12} {}\n", Str(r, {"group"}),
               Str(r, {"kind"}), Str(r, {"namespace"}), Str(r, {"name"}), Str(r, {"status"}),
               Str(r, {"health", "status"}), Str(r, {"health", "message"}, Str(r, {"message"})));
  }
}

void PrintApplication(const Value& app) {
  const Value* source = app.At({"spec", "source"});
  Value empty = Value::MakeObject();
  if (source == nullptr) source = &empty;
  std::string destination =
      Str(app, {"spec", "destination", "server"}, Str(app, {"spec", "destination", "name"}));
  fmt::print("Name:               {}\n", Str(app, {"metadata", "name"}));
  fmt::print("Project:            {}\n", Str(app, {"spec", "project"}, "default"));
  fmt::print("Server:             {}\n", destination);
  fmt::print("Namespace:          {}\n", Str(app, {"spec", "destination", "namespace"}));
  fmt::print("Repo:               {}\n", Str(*source, {"repoURL"}));
  fmt::print("Target:             {}\n", Str(*source, {"targetRevision"}, "HEAD"));
  fmt::print("Path:               {}\n", Str(*source, {"path"}));
  bool automated = app.At({"spec", "syncPolicy", "automated"}) != nullptr;
  fmt::print("Sync Policy:        {}\n", automated ? "Automated" : "Manual");
  std::string pinned = Str(app, {"status", "pinnedRevision"});
  if (!pinned.empty()) fmt::print("Pinned To:          {} (rollback)\n", pinned);
  fmt::print("Sync Status:        {} to {}\n", Str(app, {"status", "sync", "status"}, "Unknown"),
             ShortRevision(Str(app, {"status", "sync", "revision"}, "-")));
  fmt::print("Health Status:      {}\n", Str(app, {"status", "health", "status"}, "Unknown"));
  std::string policy = Str(app, {"status", "policy", "summary"});
  if (!policy.empty()) fmt::print("Policy:             {}\n", policy);
  if (const Value* op = app.At({"status", "operationState"}); op != nullptr) {
    fmt::print("\nOperation:          Sync\n");
    fmt::print("Sync Revision:      {}\n", Str(*op, {"syncResult", "revision"}));
    fmt::print("Phase:              {}\n", Str(*op, {"phase"}));
    fmt::print("Start:              {}\n", FormatTime(*op, {"startedAt"}));
    fmt::print("Finished:           {}\n", FormatTime(*op, {"finishedAt"}));
    fmt::print("Message:            {}\n", Str(*op, {"message"}));
  }
  if (const Value* resources = app.At({"status", "resources"}); resources != nullptr) {
    PrintResourceTable(*resources);
  }
}

int List(const ApiClient& client, const AppFlags& flags) {
  auto list = client.GetJson("/api/v1/applications");
  if (!list.ok()) return Fail(list.error());
  if (flags.output == "json") {
    fmt::print("{}\n", EmitJson(*list, 2));
    return 0;
  }
  fmt::print("{:<24} {:<30} {:<16} {:<10} {:<10} {:<12} {:<10} {}\n", "NAME", "CLUSTER",
             "NAMESPACE", "PROJECT", "STATUS", "HEALTH", "SYNCPOLICY", "REVISION");
  const Value* items = list->Find("items");
  if (items == nullptr || !items->is_array()) return 0;
  for (const Value& app : items->as_array()) {
    bool automated = app.At({"spec", "syncPolicy", "automated"}) != nullptr;
    fmt::print(
        "{:<24} {:<30} {:<16} {:<10} {:<10} {:<12} {:<10} {}\n", Str(app, {"metadata", "name"}),
        Str(app, {"spec", "destination", "server"}, Str(app, {"spec", "destination", "name"})),
        Str(app, {"spec", "destination", "namespace"}), Str(app, {"spec", "project"}, "default"),
        Str(app, {"status", "sync", "status"}, "Unknown"),
        Str(app, {"status", "health", "status"}, "Unknown"), automated ? "Auto" : "Manual",
        ShortRevision(Str(app, {"status", "sync", "revision"}, "-")));
  }
  return 0;
}

int Get(const ApiClient& client, const AppFlags& flags) {
  auto app = client.GetJson(Path(flags.name));
  if (!app.ok()) return Fail(app.error());
  if (flags.output == "json") {
    fmt::print("{}\n", EmitJson(*app, 2));
  } else if (flags.output == "yaml") {
    fmt::print("{}", EmitYaml(*app));
  } else {
    PrintApplication(*app);
  }
  return 0;
}

int Diff(const ApiClient& client, const AppFlags& flags) {
  auto text = client.GetText(Path(flags.name, "/diff"));
  if (!text.ok()) return Fail(text.error());
  fmt::print("{}", *text);
  // The server answers an empty body when live equals Git.
  return text->empty() ? 0 : 1;
}

// Prints one line per resource whose status or health changed since the last poll, so a
// long sync shows its waves as they happen.
void PrintProgress(const Value& app, std::map<std::string, std::string>& seen) {
  const Value* resources = app.At({"status", "operationState", "syncResult", "resources"});
  if (resources == nullptr || !resources->is_array()) return;
  for (const Value& r : resources->as_array()) {
    std::string key = fmt::format("{}/{} {}/{}", Str(r, {"group"}), Str(r, {"kind"}),
                                  Str(r, {"namespace"}), Str(r, {"name"}));
    std::string state = fmt::format("{} {} {}", Str(r, {"hookPhase"}, Str(r, {"status"})),
                                    Str(r, {"syncPhase"}), Str(r, {"message"}));
    if (seen[key] == state) continue;
    seen[key] = state;
    fmt::print("{:<8} wave {:>3}  {:<50} {:<10} {}\n", Str(r, {"syncPhase"}, "Sync"),
               r.Find("syncWave") != nullptr && r.Find("syncWave")->is_int()
                   ? r.Find("syncWave")->as_int()
                   : 0,
               key, Str(r, {"hookPhase"}, Str(r, {"status"})), Str(r, {"message"}));
  }
}

// Waits until the operation with `operation_id` has finished; returns the exit code.
int WaitForOperation(const ApiClient& client, const AppFlags& flags, int64_t operation_id) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(flags.timeout_seconds);
  std::map<std::string, std::string> seen;
  while (std::chrono::steady_clock::now() < deadline) {
    auto app = client.GetJson(Path(flags.name));
    if (!app.ok()) return Fail(app.error());
    const Value* op = app->At({"status", "operationState"});
    const Value* id = op != nullptr ? op->Find("id") : nullptr;
    if (id != nullptr && id->is_int() && id->as_int() == operation_id) {
      PrintProgress(*app, seen);
      std::string phase = Str(*op, {"phase"});
      if (phase != "Running" && phase != "Terminating") {
        fmt::print("\nPhase:   {}\nMessage: {}\n", phase, Str(*op, {"message"}));
        return phase == "Succeeded" ? 0 : 1;
      }
    }
    std::this_thread::sleep_for(kSyncPollInterval);
  }
  fmt::print(stderr, "capstan app: {}: operation {} still running after {}s\n", flags.name,
             operation_id, flags.timeout_seconds);
  return 1;
}

int Sync(const ApiClient& client, const AppFlags& flags) {
  Value body = Value::MakeObject();
  if (!flags.revision.empty()) body.Set("revision", flags.revision);
  body.Set("prune", flags.prune);
  body.Set("dryRun", flags.dry_run);
  auto answer = client.PostJson(Path(flags.name, "/sync"), body);
  if (!answer.ok()) return Fail(answer.error());
  const Value* id = answer->Find("operationId");
  if (id == nullptr || !id->is_int()) {
    return Fail(Error::Internal("the server's answer has no operationId"));
  }
  fmt::print("{}: sync operation {} started{}\n", flags.name, id->as_int(),
             flags.dry_run ? " (dry run)" : "");
  if (flags.async) return 0;
  return WaitForOperation(client, flags, id->as_int());
}

int History(const ApiClient& client, const AppFlags& flags) {
  auto history = client.GetJson(Path(flags.name, "/history"));
  if (!history.ok()) return Fail(history.error());
  if (flags.output == "json") {
    fmt::print("{}\n", EmitJson(*history, 2));
    return 0;
  }
  fmt::print("{:<4} {:<26} {:<9} {:<10} {:<24} {}\n", "ID", "DATE", "REVISION", "RESULT", "AUTHOR",
             "MESSAGE");
  const Value* items = history->Find("items");
  if (items == nullptr || !items->is_array()) return 0;
  for (const Value& entry : items->as_array()) {
    std::string message = Str(entry, {"message"});
    if (auto newline = message.find('\n'); newline != std::string::npos) message.resize(newline);
    const Value* id = entry.Find("id");
    fmt::print("{:<4} {:<26} {:<9} {:<10} {:<24} {}\n",
               id != nullptr && id->is_int() ? id->as_int() : 0, Str(entry, {"deployedAt"}),
               ShortRevision(Str(entry, {"revision"})), Str(entry, {"result"}),
               Str(entry, {"author"}), message);
  }
  return 0;
}

int Rollback(const ApiClient& client, const AppFlags& flags) {
  Value body = Value::MakeObject();
  body.Set("id", flags.history_id);
  body.Set("gitRevert", flags.git_revert);
  auto answer = client.PostJson(Path(flags.name, "/rollback"), body);
  if (!answer.ok()) return Fail(answer.error());
  fmt::print("{}: {}\n", flags.name, Str(*answer, {"message"}));
  const Value* id = answer->Find("operationId");
  if (flags.async || id == nullptr || !id->is_int()) return 0;
  return WaitForOperation(client, flags, id->as_int());
}

int TerminateOp(const ApiClient& client, const AppFlags& flags) {
  auto answer = client.PostJson(Path(flags.name, "/terminate-op"), Value::MakeObject());
  if (!answer.ok()) return Fail(answer.error());
  fmt::print("{}: {}\n", flags.name, Str(*answer, {"message"}));
  return 0;
}

}  // namespace

void AddAppCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<AppFlags>();
  auto* cmd = app.add_subcommand("app",
                                 "List, inspect, sync and roll back Applications "
                                 "through a running capstan server");
  cmd->require_subcommand(1);
  // --server may also follow the verb: `capstan app list --server URL`.
  cmd->fallthrough();
  cmd->add_option("--server", flags->server,
                  "capstan server address (default $CAPSTAN_SERVER or http://127.0.0.1:8080)");
  auto client = [flags] { return ApiClient(ResolveApiClientOptions(flags->server, "")); };
  auto add = [&](const char* name, const char* help, bool needs_name, auto run) {
    auto* sub = cmd->add_subcommand(name, help);
    if (needs_name) sub->add_option("NAME", flags->name, "Application name")->required();
    sub->callback([flags, client, run, &exit_code] { exit_code = run(client(), *flags); });
    return sub;
  };

  add("list", "List Applications with their sync and health status", false, List)
      ->add_option("-o,--output", flags->output, "wide or json")
      ->check(CLI::IsMember({"wide", "json"}));
  add("get", "Show one Application: source, status, operation and resources", true, Get)
      ->add_option("-o,--output", flags->output, "wide, json (Argo CD's shape) or yaml")
      ->check(CLI::IsMember({"wide", "json", "yaml"}));
  add("diff", "Show how the live objects differ from Git (exit 1 when they do)", true, Diff);

  auto* sync = add("sync", "Sync an Application to Git now, and wait for the result", true, Sync);
  sync->add_option("--revision", flags->revision, "Sync to this revision instead of the target");
  sync->add_flag("--prune", flags->prune, "Delete objects capstan created that left Git");
  sync->add_flag("--dry-run", flags->dry_run,
                 "Have the API server check every object; change nothing");
  sync->add_flag("--async", flags->async, "Do not wait for the operation to finish");
  sync->add_option("--timeout", flags->timeout_seconds, "Seconds to wait (default 600)");

  add("terminate-op", "Stop the running sync between two steps (it ends Failed)", true,
      TerminateOp);
  add("history", "List the Application's deployments, newest first", true, History)
      ->add_option("-o,--output", flags->output, "wide or json")
      ->check(CLI::IsMember({"wide", "json"}));

  auto* rollback = add("rollback",
                       "Sync the revision of a history entry and pin the Application "
                       "to it until a newer commit arrives",
                       true, Rollback);
  rollback->add_option("ID", flags->history_id, "History id (see `capstan app history`)")
      ->required();
  rollback->add_flag("--git-revert", flags->git_revert,
                     "Write a revert commit to the repository instead of pinning");
  rollback->add_flag("--async", flags->async, "Do not wait for the operation to finish");
}

}  // namespace capstan::cli
