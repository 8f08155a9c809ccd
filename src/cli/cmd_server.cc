// `capstan server`: the GitOps controller and its HTTP API in one process (cli/serve.cc).
// Reads Applications from a folder or a Git repository (app of apps) and from Application
// objects in the cluster, keeps each one's destination equal to Git, and records everything
// in the SQLite store under --state.
#include <fmt/format.h>

#include <memory>

#include "cli/commands.h"
#include "cli/serve.h"

namespace capstan::cli {

void AddServerCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<ServeOptions>();
  auto* cmd = app.add_subcommand(
      "server", "Run the GitOps controller and its API: keep every Application as Git says");
  cmd->add_option(
      "--kubeconfig", flags->kubeconfig,
      "kubeconfig whose contexts are the clusters (default $KUBECONFIG, ~/.kube/config)");
  cmd->add_option("--context", flags->context,
                  "Context for destination https://kubernetes.default.svc (default: current)");
  cmd->add_option("--apps", flags->apps,
                  "Applications as files: a folder, or a Git repository URL (app of apps)");
  cmd->add_option("--apps-revision", flags->apps_revision,
                  "Revision of the --apps repository (default HEAD)");
  cmd->add_option("--apps-path", flags->apps_path, "Folder inside the --apps repository");
  cmd->add_option("--repo-credentials", flags->repo_credentials,
                  "YAML list of credentials for https and ssh repositories (docs/server.md)");
  cmd->add_flag("!--no-cluster-apps", flags->apps_from_cluster,
                "Do not read Application objects from the cluster");
  cmd->add_option("--state", flags->state, "Folder for the store, repositories and checkouts")
      ->capture_default_str();
  cmd->add_option("--listen", flags->listen, "Address of the HTTP API")->capture_default_str();
  cmd->add_option("--log-format", flags->log_format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("--workers", flags->workers, "Reconcile workers")->capture_default_str();
  cmd->add_option("--resync", flags->resync_seconds,
                  "Seconds between two reconciles of an Application")
      ->capture_default_str();
  cmd->add_option("--poll", flags->poll_seconds,
                  "Seconds between two fetches of a repository (webhooks make it sooner)")
      ->capture_default_str();
  cmd->add_option("--apps-poll", flags->apps_poll_seconds,
                  "Seconds between two reads of --apps and the cluster's Applications")
      ->capture_default_str();
  cmd->add_option("--wave-timeout", flags->wave_timeout_seconds,
                  "Seconds a sync waits for one wave to become healthy")
      ->capture_default_str();
  cmd->add_flag("--allow-unsigned-webhooks", flags->allow_unsigned_webhooks,
                "Accept webhooks from providers with no secret set (unsafe)");
  cmd->add_flag("--local", flags->local,
                "Also run the local target (destination.name: local): pods as podman containers");
  cmd->add_option("--proxy-listen", flags->proxy_listen,
                  "Address of the local target's HTTP proxy for Ingress routes")
      ->capture_default_str();
  auto service_ports = std::make_shared<std::vector<std::string>>();
  cmd->add_option("--service-port", *service_ports,
                  "Host port of a Service port on the local target: namespace/name:port=hostport "
                  "(repeatable; others get a port the OS picks)");
  cmd->callback([flags, service_ports, &exit_code] {
    auto ports = ParseServicePorts(*service_ports);
    if (!ports.ok()) {
      fmt::print(stderr, "capstan server: {}\n", ports.error().message());
      exit_code = 2;
      return;
    }
    flags->service_ports = std::move(*ports);
    exit_code = Serve(*flags);
  });
}

}  // namespace capstan::cli
