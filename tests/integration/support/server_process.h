// A long-running program under test (a server): started by argv (no shell), ready when a
// line of its standard output contains a marker, stopped with SIGTERM (SIGKILL after a
// grace period) or killed at once. Its standard output and error go to files, so neither
// can fill a pipe and block it, and tests can show them when something fails.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace capstan::it {

struct ServerOptions {
  // The program and its arguments; argv[0] is searched on PATH.
  std::vector<std::string> argv;
  // "NAME=value" entries added to, or replacing, this process's environment.
  std::vector<std::string> env;
  // The server is ready once a line of its standard output contains this.
  std::string ready_marker = "listening on";
  // How long Start waits for the marker; a loaded machine needs seconds.
  std::chrono::milliseconds ready_timeout = std::chrono::seconds(60);
  // Where stdout.log and stderr.log go (created if missing); REQUIRED.
  std::filesystem::path log_dir;
};

// Not thread-safe: one test thread drives it. The destructor kills a process still running
// (SIGKILL) and reaps it, so a failing test leaves nothing behind.
class ServerProcess {
 public:
  explicit ServerProcess(ServerOptions options);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Starts the program and waits for the ready line. False (see error()) when it cannot be
  // started, exits first, or says nothing within ready_timeout (it is then killed).
  bool Start();
  // The whole stdout line that held the marker ("" before Start succeeds).
  const std::string& ready_line() const { return ready_line_; }
  // The word after the marker in ready_line(), e.g. "http://127.0.0.1:41234".
  std::string ReadyWord() const;
  const std::string& error() const { return error_; }
  pid_t pid() const { return pid_; }
  bool running();

  // SIGTERM, then SIGKILL after `grace`; returns the exit code (128 + signal when killed by
  // one), or -1 when nothing was running.
  int Stop(std::chrono::milliseconds grace = std::chrono::seconds(15));
  // SIGKILL now (a crash, as far as the program can tell); returns as Stop.
  int Kill();

  std::string Stdout() const;
  std::string Stderr() const;
  // The last `lines` lines of stdout and stderr, labelled, for failure messages.
  std::string LogTail(size_t lines = 60) const;

 private:
  int Reap(bool block);

  ServerOptions options_;
  pid_t pid_ = 0;
  int exit_code_ = -1;
  std::string ready_line_;
  std::string error_;
};

}  // namespace capstan::it
