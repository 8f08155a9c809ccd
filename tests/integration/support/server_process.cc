#include "support/server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>
#include <thread>

extern char** environ;

namespace capstan::it {
namespace {

// How often Start looks at the output and Stop at the process.
constexpr auto kPollInterval = std::chrono::milliseconds(50);

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The last `lines` lines of `text`.
std::string Tail(const std::string& text, size_t lines) {
  size_t begin = text.size();
  // A final newline ends the last line; it does not start an empty one.
  if (begin > 0 && text[begin - 1] == '\n') --begin;
  for (size_t seen = 0; seen < lines && begin > 0; ++seen) {
    size_t newline = text.rfind('\n', begin - 1);
    begin = newline == std::string::npos ? 0 : newline;
  }
  return text.substr(begin == 0 ? 0 : begin + 1);
}

// Ours, with `overrides` replacing entries of the same name.
std::vector<std::string> Environment(const std::vector<std::string>& overrides) {
  std::vector<std::string> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view current(*entry);
    bool replaced = false;
    for (const std::string& override_entry : overrides) {
      std::string_view name(override_entry.data(), override_entry.find('=') + 1);
      replaced |= current.substr(0, name.size()) == name;
    }
    if (!replaced) environment.emplace_back(current);
  }
  environment.insert(environment.end(), overrides.begin(), overrides.end());
  return environment;
}

}  // namespace

ServerProcess::ServerProcess(ServerOptions options) : options_(std::move(options)) {}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) Kill();
}

bool ServerProcess::Start() {
  if (pid_ > 0) {
    error_ = "already running";
    return false;
  }
  std::filesystem::create_directories(options_.log_dir);
  std::string out_path = (options_.log_dir / "stdout.log").string();
  std::string err_path = (options_.log_dir / "stderr.log").string();
  // Truncated: one log per start, so the ready line found is this start's.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  std::vector<std::string> environment = Environment(options_.env);
  std::vector<char*> envp;
  for (std::string& entry : environment) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::vector<char*> args;
  for (const std::string& arg : options_.argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  int spawned = options_.argv.empty()
                    ? EINVAL
                    : posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    pid_ = 0;
    error_ = "cannot start " + (options_.argv.empty() ? "(no argv)" : options_.argv[0]) + ": " +
             std::strerror(spawned);
    return false;
  }
  exit_code_ = -1;
  ready_line_.clear();
  auto deadline = std::chrono::steady_clock::now() + options_.ready_timeout;
  while (true) {
    std::string out = ReadFile(out_path);
    size_t marker = out.find(options_.ready_marker);
    if (marker != std::string::npos) {
      size_t begin = out.rfind('\n', marker);
      begin = begin == std::string::npos ? 0 : begin + 1;
      size_t end = out.find('\n', marker);
      if (end != std::string::npos) {  // only a whole line counts
        ready_line_ = out.substr(begin, end - begin);
        return true;
      }
    }
    if (!running()) {
      error_ = "exited with " + std::to_string(exit_code_) + " before it was ready\n" + LogTail();
      return false;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      Kill();
      error_ = "not ready within " + std::to_string(options_.ready_timeout.count()) + " ms\n" +
               LogTail();
      return false;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

std::string ServerProcess::ReadyWord() const {
  size_t marker = ready_line_.find(options_.ready_marker);
  if (marker == std::string::npos) return "";
  size_t begin = ready_line_.find_first_not_of(' ', marker + options_.ready_marker.size());
  if (begin == std::string::npos) return "";
  size_t end = ready_line_.find(' ', begin);
  return ready_line_.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

int ServerProcess::Reap(bool block) {
  if (pid_ <= 0) return exit_code_;
  int status = 0;
  pid_t done = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
  if (done == pid_) {
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    pid_ = 0;
  }
  return exit_code_;
}

bool ServerProcess::running() {
  Reap(false);
  return pid_ > 0;
}

int ServerProcess::Stop(std::chrono::milliseconds grace) {
  if (!running()) return exit_code_;
  ::kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(kPollInterval);
  }
  if (pid_ > 0) return Kill();
  return exit_code_;
}

int ServerProcess::Kill() {
  if (!running()) return exit_code_;
  ::kill(pid_, SIGKILL);
  return Reap(true);
}

std::string ServerProcess::Stdout() const { return ReadFile(options_.log_dir / "stdout.log"); }

std::string ServerProcess::Stderr() const { return ReadFile(options_.log_dir / "stderr.log"); }

std::string ServerProcess::LogTail(size_t lines) const {
  return "--- stdout (last lines) ---\n" + Tail(Stdout(), lines) +
         "\n--- stderr (last lines) ---\n" + Tail(Stderr(), lines);
}

}  // namespace capstan::it
