#include "cli/serve.h"

#include <fmt/format.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "controller/app_controller.h"
#include "controller/apps_source.h"
#include "controller/destination_router.h"
#include "controller/kube_destinations.h"
#include "controller/release_history.h"
#include "controller/rollout_controller.h"
#include "core/log.h"
#include "rollout/analysis/providers.h"
#include "server/api.h"
#include "server/http_server.h"
#include "source/credentials_file.h"
#include "store/store.h"
#include "target/local/runtime.h"

namespace capstan::cli {
namespace {

namespace fs = std::filesystem;

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

std::chrono::milliseconds Millis(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

std::string KubeconfigPath(const ServeOptions& options) {
  if (!options.kubeconfig.empty()) return options.kubeconfig;
  if (std::string env = Env("KUBECONFIG"); !env.empty()) return env;
  return Env("HOME") + "/.kube/config";
}

}  // namespace

Result<std::map<std::string, uint16_t>> ParseServicePorts(const std::vector<std::string>& values) {
  std::map<std::string, uint16_t> ports;
  for (const std::string& value : values) {
    size_t equals = value.rfind('=');
    size_t slash = value.find('/');
    size_t colon = value.rfind(':', equals);
    int host_port = 0;
    bool shaped = equals != std::string::npos && slash != std::string::npos &&
                  colon != std::string::npos && slash < colon && colon < equals;
    if (shaped) {
      try {
        host_port = std::stoi(value.substr(equals + 1));
        (void)std::stoi(value.substr(colon + 1, equals - colon - 1));
      } catch (const std::exception&) {
        shaped = false;
      }
    }
    if (!shaped || host_port <= 0 || host_port > 65535) {
      return Error::Invalid("--service-port " + value +
                            ": expected namespace/name:port=hostport, e.g. demo/web:80=18080");
    }
    ports[value.substr(0, equals)] = static_cast<uint16_t>(host_port);
  }
  return ports;
}

int Serve(const ServeOptions& options, const std::function<void(const ServeInfo&)>& on_ready) {
  const std::string& name = options.command;
  SetLogFormat(options.log_format == "json" ? LogFormat::kJson : LogFormat::kText);
  if (!LogEnabled(LogLevel::kInfo)) SetLogLevel(LogLevel::kInfo);

  // SIGINT and SIGTERM are taken by sigwait below, in this thread only: block them before
  // any thread starts so that every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::error_code ec;
  fs::create_directories(options.state, ec);
  if (ec) {
    fmt::print(stderr, "{}: --state {}: {}\n", name, options.state, ec.message());
    return 2;
  }
  auto store = store::Store::Open(fs::path(options.state) / "capstan.db");
  if (!store.ok()) {
    fmt::print(stderr, "{}: {}\n", name, store.error().message());
    return 2;
  }

  std::unique_ptr<controller::KubeDestinations> kube;
  // With the local target a missing kubeconfig just means no cluster; without it, capstan
  // server has nothing to deploy to and says so.
  std::error_code missing;
  bool use_kubeconfig = options.use_kubeconfig && !(options.local && options.kubeconfig.empty() &&
                                                    !fs::exists(KubeconfigPath(options), missing));
  if (use_kubeconfig) {
    auto loaded = controller::KubeDestinations::Load(KubeconfigPath(options), options.context);
    if (!loaded.ok()) {
      fmt::print(stderr, "{}: {}\n", name, loaded.error().message());
      return 2;
    }
    kube = std::move(*loaded);
  }
  std::unique_ptr<target::local::LocalRuntime> local;
  if (options.local) {
    target::local::RuntimeOptions runtime;
    runtime.state_dir = fs::path(options.state) / "local";
    runtime.proxy_listen = options.proxy_listen;
    runtime.service_ports = options.service_ports;
    auto started = target::local::LocalRuntime::Start(**store, runtime);
    if (!started.ok()) {
      fmt::print(stderr, "{}: local target: {}\n", name, started.error().message());
      return 2;
    }
    local = std::move(*started);
  }
  controller::KubeDestinations* cluster = kube.get();
  controller::DestinationRouter destinations(std::move(kube), local ? &local->target() : nullptr,
                                             local ? &local->objects() : nullptr);

  std::unique_ptr<source::FileCredentialProvider> credentials;
  if (!options.repo_credentials.empty()) {
    auto loaded = source::FileCredentialProvider::Load(options.repo_credentials);
    if (!loaded.ok()) {
      fmt::print(stderr, "{}: --repo-credentials: {}\n", name, loaded.error().message());
      return 2;
    }
    credentials = std::move(*loaded);
  }
  source::RepositoryCache repositories(fs::path(options.state) / "repositories",
                                       {.credentials = credentials.get()});
  controller::Revisions revisions(
      repositories, fs::path(options.state) / "checkouts",
      {.poll_interval = Millis(options.poll_seconds), .credentials = credentials.get()});
  controller::ControllerOptions controller_options;
  controller_options.workers = options.workers;
  controller_options.resync_period = Millis(options.resync_seconds);
  controller_options.wave_timeout = Millis(options.wave_timeout_seconds);
  controller::AppController controller(**store, revisions, destinations, controller_options);
  destinations.SetChangeCallback(
      [&controller](const std::string& app) { controller.OnLiveChange(app); });

  controller::AppsSourceOptions apps_options;
  apps_options.location = options.apps;
  apps_options.revision = options.apps_revision;
  apps_options.path = options.apps_path;
  apps_options.from_cluster = options.apps_from_cluster;
  apps_options.poll_interval = Millis(options.apps_poll_seconds);
  controller::AppsSource apps(apps_options, revisions, cluster,
                              [&controller](std::vector<controller::Application> loaded) {
                                controller.SetApplications(std::move(loaded));
                              });
  if (auto loaded = apps.LoadOnce(); !loaded.ok()) {
    fmt::print(stderr, "{}: {}\n", name, loaded.error().message());
    return 2;
  }

  // Argo Rollouts' controller on every destination: the local target and the current context.
  std::vector<target::Target*> rollout_targets;
  if (local) rollout_targets.push_back(&local->target());
  if (cluster != nullptr) rollout_targets.push_back(&cluster->Current());
  rollout::analysis::HttpMetricProvider metrics;
  controller::ReleaseHistory release_history(**store);
  controller::RolloutControllerOptions rollout_options;
  rollout_options.history = &release_history;
  controller::RolloutController rollouts(rollout_targets, metrics, rollout_options);

  server::HttpServer http({.listen = options.listen});
  server::ApiOptions api;
  api.webhook_secrets.github = Env("CAPSTAN_GITHUB_WEBHOOK_SECRET");
  api.webhook_secrets.gitlab = Env("CAPSTAN_GITLAB_WEBHOOK_SECRET");
  api.webhook_secrets.gitea = Env("CAPSTAN_GITEA_WEBHOOK_SECRET");
  api.webhook_secrets.allow_unsigned = options.allow_unsigned_webhooks;
  if (local) {
    target::local::LocalRuntime* runtime = local.get();
    api.extra_metrics = [runtime] { return runtime->MetricsText(); };
  }
  api.on_rollout_steered = [&rollouts] { rollouts.Wake(); };
  server::AddApiRoutes(http, controller, api);
  auto address = http.Start();
  if (!address.ok()) {
    fmt::print(stderr, "{}: --listen {}: {}\n", name, options.listen, address.error().message());
    return 2;
  }

  controller.Start();
  rollouts.Start();
  apps.Start();
  if (cluster != nullptr) {
    for (const std::string& context : cluster->Describe())
      Log(LogLevel::kInfo, "cluster: {}", context);
  }
  ServeInfo info{*address, local ? local->ProxyAddress() : ""};
  if (local) Log(LogLevel::kInfo, "local target: proxy listening on http://{}", info.proxy_address);
  Log(LogLevel::kInfo, "{} listening on http://{} (state in {})", name, *address, options.state);
  // Tests and scripts wait for this line on stdout.
  fmt::print("{} listening on http://{}\n", name, *address);
  std::fflush(stdout);
  if (on_ready) on_ready(info);

  int signal = 0;
  sigwait(&signals, &signal);
  Log(LogLevel::kInfo, "{} received: shutting down", signal == SIGINT ? "SIGINT" : "SIGTERM");
  apps.Stop();
  http.Stop();
  rollouts.Stop();
  controller.Stop();
  if (local) local->Stop();
  Log(LogLevel::kInfo, "{} stopped", name);
  return 0;
}

}  // namespace capstan::cli
