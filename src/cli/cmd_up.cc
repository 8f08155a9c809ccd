// `capstan up [DIR]`: capstan on this machine, no cluster needed. Builds the demo image,
// makes a Git repository from DIR (default examples/demo/local), and runs the server with
// the local target (pods as podman containers, traffic through capstan's proxy) until
// interrupted; --detach returns once the demo is Healthy. `capstan down` stops it all.
#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "cli/serve.h"
#include "cli/up_setup.h"

extern char** environ;

namespace capstan::cli {
namespace {

namespace fs = std::filesystem;

struct UpFlags {
  std::string dir = "examples/demo/local";
  std::string state = ".capstan-up";
  std::string listen = "127.0.0.1:8080";
  std::string proxy_listen = "127.0.0.1:8000";
  std::string demo_app;
  std::vector<std::string> service_ports;
  bool detach = false;
  double timeout_seconds = 180;
};

fs::path PidFile(const std::string& state) { return fs::path(state) / "capstan.pid"; }

// Polls the API until the demo Application is Synced and Healthy; false on time-out.
bool WaitForDemo(const std::string& api_address, double timeout_seconds, std::string* last) {
  ApiClient client(ResolveApiClientOptions("http://" + api_address, "capstan up"));
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(static_cast<int64_t>(timeout_seconds * 1000));
  while (std::chrono::steady_clock::now() < deadline) {
    auto apps = client.GetJson("/api/v1/applications");
    if (apps.ok()) {
      bool all_ready = apps->Find("items") != nullptr && !apps->Find("items")->empty();
      *last = "";
      for (const Value& app : apps->Find("items")->as_array()) {
        std::string_view health = app.StringAt({"status", "health", "status"});
        std::string_view sync = app.StringAt({"status", "sync", "status"});
        *last += fmt::format("{}: {} {}; ", app.StringAt({"metadata", "name"}), sync, health);
        if (health != "Healthy" || sync != "Synced") all_ready = false;
      }
      if (all_ready) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return false;
}

void PrintBanner(const std::string& api, const std::string& proxy, const std::string& state) {
  fmt::print(
      "\ncapstan up: the demo is Healthy.\n"
      "  proxy (Ingress routes)  http://{1}/\n"
      "  API and /metrics        http://{0}/\n"
      "  try      curl http://{1}/\n"
      "           CAPSTAN_SERVER=http://{0} capstan app get demo\n"
      "  release  edit {2}/repo/apps/demo/deployment.yaml (image and version label v1 -> v2),\n"
      "           git -C {2}/repo commit -am 'demo: v2'\n"
      "  stop     capstan down --state {2}\n",
      api, proxy, state);
  std::fflush(stdout);
}

int RunForeground(const UpFlags& flags) {
  std::error_code ec;
  fs::create_directories(flags.state, ec);
  if (ec) {
    fmt::print(stderr, "capstan up: --state {}: {}\n", flags.state, ec.message());
    return 2;
  }
  auto failed = [](const Error& error) {
    fmt::print(stderr, "capstan up: {}\n", error.message());
    return 2;
  };
  if (auto configured = ConfigurePodman(flags.state); !configured.ok()) {
    return failed(configured.error());
  }
  auto binary = FindDemoApp(flags.demo_app);
  if (!binary.ok()) return failed(binary.error());
  auto images = BuildDemoImages(*binary, flags.state);
  if (!images.ok()) return failed(images.error());
  fmt::print("{}", *images);
  auto repo = PrepareDemoRepository(flags.dir, flags.state);
  if (!repo.ok()) return failed(repo.error());
  fmt::print("demo repository {}\n", *repo);
  std::ofstream(PidFile(flags.state)) << getpid() << "\n";

  auto service_ports = ParseServicePorts(flags.service_ports);
  if (!service_ports.ok()) return failed(service_ports.error());
  ServeOptions options;
  options.command = "capstan up";
  options.service_ports = std::move(*service_ports);
  options.use_kubeconfig = false;
  options.apps_from_cluster = false;
  options.local = true;
  options.apps = *repo;
  options.apps_revision = "main";
  options.apps_path = "applications";
  options.state = flags.state;
  options.listen = flags.listen;
  options.proxy_listen = flags.proxy_listen;
  // One machine, one user: look at Git often so a commit shows up within seconds.
  options.poll_seconds = 3;
  options.apps_poll_seconds = 3;
  options.resync_seconds = 30;
  std::thread waiter;
  int code = Serve(options, [&](const ServeInfo& info) {
    waiter = std::thread([info, flags] {
      std::string last;
      if (WaitForDemo(info.api_address, flags.timeout_seconds, &last)) {
        PrintBanner(info.api_address, info.proxy_address, flags.state);
      } else {
        fmt::print(stderr, "capstan up: the demo is not Healthy after {}s ({})\n",
                   flags.timeout_seconds, last);
      }
    });
  });
  if (waiter.joinable()) waiter.detach();  // it only prints; the process is ending
  fs::remove(PidFile(flags.state), ec);
  return code;
}

// Starts `capstan up` again without --detach, in its own session with its output in
// <state>/capstan.log, and returns once the demo is Healthy.
int RunDetached(const UpFlags& flags, const std::vector<std::string>& args) {
  std::error_code ec;
  fs::create_directories(flags.state, ec);
  fs::path log = fs::path(flags.state) / "capstan.log";
  std::vector<std::string> argv = {fs::read_symlink("/proc/self/exe", ec).string(), "up"};
  for (const std::string& arg : args) {
    if (arg != "--detach") argv.push_back(arg);
  }
  std::vector<char*> raw;
  for (std::string& arg : argv) raw.push_back(arg.data());
  raw.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSID);
  pid_t pid = 0;
  int spawned = posix_spawn(&pid, raw[0], &actions, &attributes, raw.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0) {
    fmt::print(stderr, "capstan up: cannot start {}: {}\n", raw[0], std::strerror(spawned));
    return 2;
  }
  fmt::print("capstan up: started in the background (pid {}, log {})\n", pid, log.string());
  std::string last;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  // Wait for the API to listen (the child prints it), then for the demo.
  while (std::chrono::steady_clock::now() <
         deadline + std::chrono::seconds(static_cast<int64_t>(flags.timeout_seconds))) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      fmt::print(stderr, "capstan up: the background capstan exited; see {}\n", log.string());
      return 1;
    }
    if (WaitForDemo(flags.listen, 1, &last)) {
      std::string proxy = flags.proxy_listen;
      PrintBanner(flags.listen, proxy, flags.state);
      return 0;
    }
  }
  fmt::print(stderr, "capstan up: the demo is not Healthy after {}s ({}); see {}\n",
             flags.timeout_seconds, last, log.string());
  return 1;
}

}  // namespace

void AddUpCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<UpFlags>();
  auto* cmd = app.add_subcommand(
      "up", "Run capstan on this machine with the demo: pods as podman containers, no cluster");
  cmd->add_option("dir", flags->dir,
                  "Folder with applications/ and the manifests they deploy (made into a Git "
                  "repository under --state)")
      ->capture_default_str();
  cmd->add_option("--state", flags->state, "Folder for everything capstan up keeps")
      ->capture_default_str();
  cmd->add_option("--listen", flags->listen, "Address of the HTTP API")->capture_default_str();
  cmd->add_option("--proxy-listen", flags->proxy_listen, "Address of the proxy for Ingresses")
      ->capture_default_str();
  cmd->add_option("--demo-app", flags->demo_app, "The demo app binary to build the image from");
  cmd->add_option("--timeout", flags->timeout_seconds, "Seconds to wait for the demo to be Healthy")
      ->capture_default_str();
  cmd->add_option("--service-port", flags->service_ports,
                  "Host port of a Service port: namespace/name:port=hostport (repeatable)");
  cmd->add_flag("--detach", flags->detach,
                "Return once the demo is Healthy; capstan keeps running");
  cmd->callback([flags, cmd, &exit_code] {
    if (!flags->detach) {
      exit_code = RunForeground(*flags);
      return;
    }
    std::vector<std::string> args;
    args.push_back(flags->dir);
    for (const char* option :
         {"--state", "--listen", "--proxy-listen", "--demo-app", "--timeout"}) {
      CLI::Option* found = cmd->get_option(option);
      if (found->count() > 0) {
        args.push_back(option);
        args.push_back(found->as<std::string>());
      }
    }
    for (const std::string& port : flags->service_ports) {
      args.push_back("--service-port");
      args.push_back(port);
    }
    exit_code = RunDetached(*flags, args);
  });
}

}  // namespace capstan::cli
