#include "support/prometheus.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/http_client.h"

extern char** environ;

namespace capstan::it {
namespace {

// How long Prometheus may take to start on this (shared, loaded) machine (about 1 s idle).
constexpr auto kReadyTimeout = std::chrono::seconds(90);

int FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

}  // namespace

PrometheusServer::PrometheusServer(std::filesystem::path dir, std::vector<std::string> targets)
    : dir_(std::move(dir)), port_(FreeLoopbackPort()) {
  std::string list;
  for (const std::string& target : targets) list += (list.empty() ? "'" : ", '") + target + "'";
  std::ofstream(dir_ / "prometheus.yml")
      << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
      << "scrape_configs:\n- job_name: capstan\n  static_configs:\n  - targets: [" << list << "]\n";
}

PrometheusServer::~PrometheusServer() { Stop(); }

std::string PrometheusServer::Binary() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path == nullptr ? "" : path);
  for (std::string dir; std::getline(dirs, dir, ':');) {
    std::filesystem::path candidate = std::filesystem::path(dir) / "prometheus";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return "";
}

bool PrometheusServer::Start(std::string* error) {
  std::string binary = Binary();
  if (binary.empty()) {
    *error = "prometheus is not installed: run scripts/install-deps.sh (Debian package prometheus)";
    return false;
  }
  std::string log = (dir_ / "prometheus.log").string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<std::string> argv = {binary, "--config.file=" + (dir_ / "prometheus.yml").string(),
                                   "--storage.tsdb.path=" + (dir_ / "data").string(),
                                   "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                                   "--log.level=warn"};
  std::vector<char*> args;
  for (std::string& arg : argv) args.push_back(arg.data());
  args.push_back(nullptr);
  int spawned = posix_spawn(&pid_, binary.c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    pid_ = 0;
    *error = "cannot start " + binary;
    return false;
  }
  HttpClient client("127.0.0.1:" + std::to_string(port_), /*keep_alive=*/false);
  for (auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
       std::chrono::steady_clock::now() < deadline;) {
    if (client.Get("/-/ready").status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  *error = "prometheus did not become ready:\n" + Log();
  return false;
}

void PrometheusServer::Stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = 0;
}

std::string PrometheusServer::address() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

std::string PrometheusServer::Log() const {
  std::ifstream in(dir_ / "prometheus.log");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace capstan::it
