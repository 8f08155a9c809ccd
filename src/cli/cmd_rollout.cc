// `capstan rollout undo deployment/NAME --app APP`: `kubectl rollout undo` through capstan
// server, so it works on any destination (a cluster or the local target) and lands in the
// audit log with who did it.
#include <fmt/format.h>

#include <memory>

#include "cli/api_client.h"
#include "cli/commands.h"

namespace capstan::cli {
namespace {

struct RolloutFlags {
  std::string server;
  std::string app;
  std::string object;  // "deployment/web" or "web"
  std::string ns;
  int64_t to_revision = 0;
};

int Undo(const RolloutFlags& flags) {
  std::string name = flags.object;
  if (size_t slash = name.find('/'); slash != std::string::npos) {
    std::string kind = name.substr(0, slash);
    if (kind != "deployment" && kind != "deployments" && kind != "deploy" &&
        kind != "deployment.apps") {
      fmt::print(stderr, "capstan rollout undo: {}: only Deployments can be undone this way\n",
                 flags.object);
      return 2;
    }
    name = name.substr(slash + 1);
  }
  ApiClient client(ResolveApiClientOptions(flags.server, ""));
  Value body = Value::MakeObject();
  body.Set("deployment", name);
  if (!flags.ns.empty()) body.Set("namespace", flags.ns);
  if (flags.to_revision > 0) body.Set("toRevision", flags.to_revision);
  auto answer = client.PostJson("/api/v1/applications/" + flags.app + "/rollout-undo", body);
  if (!answer.ok()) {
    fmt::print(stderr, "capstan rollout undo: {}\n", answer.error().message());
    return 1;
  }
  fmt::print("{}\n", answer->StringAt({"message"}));
  return 0;
}

}  // namespace

void AddRolloutCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<RolloutFlags>();
  auto* cmd = app.add_subcommand("rollout", "Steer rollouts through a running capstan server");
  cmd->require_subcommand(1);
  cmd->fallthrough();
  cmd->add_option("--server", flags->server,
                  "capstan server address (default $CAPSTAN_SERVER or http://127.0.0.1:8080)");
  auto* undo = cmd->add_subcommand(
      "undo", "Put a Deployment's pod template back to an earlier revision (kubectl rollout undo)");
  undo->add_option("DEPLOYMENT", flags->object, "deployment/NAME or NAME")->required();
  undo->add_option("--app", flags->app, "The Application the Deployment belongs to")->required();
  undo->add_option("-n,--namespace", flags->ns,
                   "Namespace (default: the Application's destination namespace)");
  undo->add_option("--to-revision", flags->to_revision,
                   "Revision to go back to (default: the previous one)");
  undo->callback([flags, &exit_code] { exit_code = Undo(*flags); });
}

}  // namespace capstan::cli
