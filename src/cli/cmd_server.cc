// `capstan server`: the GitOps controller and its HTTP API in one process. Reads
// Applications from a folder or a Git repository (app of apps) and from Application objects
// in the cluster, keeps each one's destination equal to Git, and records everything in the
// SQLite store under --state.
#include <fmt/format.h>
#include <signal.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

#include "cli/commands.h"
#include "controller/app_controller.h"
#include "controller/apps_source.h"
#include "controller/kube_destinations.h"
#include "core/log.h"
#include "server/api.h"
#include "server/http_server.h"
#include "source/credentials_file.h"
#include "store/store.h"

namespace capstan::cli {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct ServerFlags {
  std::string kubeconfig;
  std::string context;
  std::string apps;
  std::string apps_revision = "HEAD";
  std::string apps_path;
  std::string repo_credentials;
  std::string state = ".capstan";
  std::string listen = "127.0.0.1:8080";
  std::string log_format = "text";
  int workers = 4;
  double resync_seconds = 180;
  double poll_seconds = 180;
  double apps_poll_seconds = 10;
  double wave_timeout_seconds = 300;
  bool apps_from_cluster = true;
  bool allow_unsigned_webhooks = false;
};

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

std::chrono::milliseconds Millis(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

int Run(const ServerFlags& flags) {
  SetLogFormat(flags.log_format == "json" ? LogFormat::kJson : LogFormat::kText);
  if (LogEnabled(LogLevel::kInfo) == false) SetLogLevel(LogLevel::kInfo);

  // SIGINT and SIGTERM are taken by sigwait below, in this thread only: block them before
  // any thread starts so that every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::string kubeconfig = flags.kubeconfig;
  if (kubeconfig.empty()) kubeconfig = Env("KUBECONFIG");
  if (kubeconfig.empty()) kubeconfig = Env("HOME") + "/.kube/config";

  std::error_code ec;
  fs::create_directories(flags.state, ec);
  if (ec) {
    fmt::print(stderr, "capstan server: --state {}: {}\n", flags.state, ec.message());
    return 2;
  }
  auto store = store::Store::Open(fs::path(flags.state) / "capstan.db");
  if (!store.ok()) {
    fmt::print(stderr, "capstan server: {}\n", store.error().message());
    return 2;
  }
  auto destinations = controller::KubeDestinations::Load(kubeconfig, flags.context);
  if (!destinations.ok()) {
    fmt::print(stderr, "capstan server: {}\n", destinations.error().message());
    return 2;
  }
  std::unique_ptr<source::FileCredentialProvider> credentials;
  if (!flags.repo_credentials.empty()) {
    auto loaded = source::FileCredentialProvider::Load(flags.repo_credentials);
    if (!loaded.ok()) {
      fmt::print(stderr, "capstan server: --repo-credentials: {}\n", loaded.error().message());
      return 2;
    }
    credentials = std::move(*loaded);
  }
  source::RepositoryCache repositories(fs::path(flags.state) / "repositories",
                                       {.credentials = credentials.get()});
  controller::Revisions revisions(
      repositories, fs::path(flags.state) / "checkouts",
      {.poll_interval = Millis(flags.poll_seconds), .credentials = credentials.get()});
  controller::ControllerOptions options;
  options.workers = flags.workers;
  options.resync_period = Millis(flags.resync_seconds);
  options.wave_timeout = Millis(flags.wave_timeout_seconds);
  controller::AppController controller(**store, revisions, **destinations, options);
  (*destinations)->SetChangeCallback([&controller](const std::string& app) {
    controller.OnLiveChange(app);
  });

  controller::AppsSourceOptions apps_options;
  apps_options.location = flags.apps;
  apps_options.revision = flags.apps_revision;
  apps_options.path = flags.apps_path;
  apps_options.from_cluster = flags.apps_from_cluster;
  apps_options.poll_interval = Millis(flags.apps_poll_seconds);
  controller::AppsSource apps(apps_options, revisions, **destinations,
                              [&controller](std::vector<controller::Application> loaded) {
                                controller.SetApplications(std::move(loaded));
                              });
  if (auto loaded = apps.LoadOnce(); !loaded.ok()) {
    fmt::print(stderr, "capstan server: {}\n", loaded.error().message());
    return 2;
  }

  server::HttpServer http({.listen = flags.listen});
  server::ApiOptions api;
  api.webhook_secrets.github = Env("CAPSTAN_GITHUB_WEBHOOK_SECRET");
  api.webhook_secrets.gitlab = Env("CAPSTAN_GITLAB_WEBHOOK_SECRET");
  api.webhook_secrets.gitea = Env("CAPSTAN_GITEA_WEBHOOK_SECRET");
  api.webhook_secrets.allow_unsigned = flags.allow_unsigned_webhooks;
  server::AddApiRoutes(http, controller, api);
  auto address = http.Start();
  if (!address.ok()) {
    fmt::print(stderr, "capstan server: --listen {}: {}\n", flags.listen,
               address.error().message());
    return 2;
  }

  controller.Start();
  apps.Start();
  for (const std::string& cluster : (*destinations)->Describe()) {
    Log(LogLevel::kInfo, "cluster: {}", cluster);
  }
  Log(LogLevel::kInfo, "capstan server listening on http://{} (state in {})", *address,
      flags.state);
  // Tests and scripts wait for this line on stdout.
  fmt::print("capstan server listening on http://{}\n", *address);
  std::fflush(stdout);

  int signal = 0;
  sigwait(&signals, &signal);
  Log(LogLevel::kInfo, "{} received: shutting down", signal == SIGINT ? "SIGINT" : "SIGTERM");
  apps.Stop();
  http.Stop();
  controller.Stop();
  Log(LogLevel::kInfo, "capstan server stopped");
  return 0;
}

}  // namespace

void AddServerCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<ServerFlags>();
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
  cmd->callback([flags, &exit_code] { exit_code = Run(*flags); });
}

}  // namespace capstan::cli
