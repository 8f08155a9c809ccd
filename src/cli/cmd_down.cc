// `capstan down`: stops what `capstan up` started — the capstan process (SIGTERM, as
// Ctrl-C) and every pod and container its local target created — leaving no containers
// behind. The state folder (store, Git repository, history) is kept for the next `up`.
#include <fmt/format.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "cli/commands.h"
#include "cli/up_setup.h"
#include "target/local/runtime.h"

namespace capstan::cli {
namespace {

namespace fs = std::filesystem;

constexpr auto kStopTimeout = std::chrono::seconds(20);

// Signals the capstan recorded in <state>/capstan.pid and waits for it to exit.
void StopProcess(const fs::path& state) {
  std::ifstream in(state / "capstan.pid");
  pid_t pid = 0;
  if (!(in >> pid) || pid <= 0 || kill(pid, 0) != 0) {
    fmt::print("capstan down: no capstan running for {}\n", state.string());
    return;
  }
  kill(pid, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + kStopTimeout;
  while (kill(pid, 0) == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (kill(pid, 0) == 0) {
    kill(pid, SIGKILL);
    fmt::print("capstan down: capstan (pid {}) did not stop in {}s; killed it\n", pid,
               kStopTimeout.count());
  } else {
    fmt::print("capstan down: stopped capstan (pid {})\n", pid);
  }
  std::error_code ec;
  fs::remove(state / "capstan.pid", ec);
}

int Run(const std::string& state) {
  StopProcess(state);
  if (auto configured = ConfigurePodman(state); !configured.ok()) {
    fmt::print(stderr, "capstan down: {}\n", configured.error().message());
    return 2;
  }
  auto id = target::local::InstanceId(fs::path(state) / "local");
  if (!id.ok()) {
    fmt::print(stderr, "capstan down: {}\n", id.error().message());
    return 2;
  }
  target::local::PodmanOptions podman;
  if (auto removed = target::local::RemoveEverything(podman, *id); !removed.ok()) {
    fmt::print(stderr, "capstan down: {}\n", removed.error().message());
    return 1;
  }
  fmt::print("capstan down: removed every container of {}\n", state);
  return 0;
}

}  // namespace

void AddDownCommand(CLI::App& app, int& exit_code) {
  auto state = std::make_shared<std::string>(".capstan-up");
  auto* cmd = app.add_subcommand(
      "down", "Stop what `capstan up` started and remove its containers (the state is kept)");
  cmd->add_option("--state", *state, "The folder `capstan up` used")->capture_default_str();
  cmd->callback([state, &exit_code] { exit_code = Run(*state); });
}

}  // namespace capstan::cli
