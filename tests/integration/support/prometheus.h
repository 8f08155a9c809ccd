// A real Prometheus (Debian's /usr/bin/prometheus) for one test: its configuration and
// storage in a folder of the test's own, on a free loopback port, scraping the given
// targets' /metrics every second. Not thread-safe: one test thread drives it.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace capstan::it {

class PrometheusServer {
 public:
  // `dir` must exist and outlive the server; `targets` are "127.0.0.1:PORT" endpoints whose
  // /metrics it scrapes (job "capstan").
  PrometheusServer(std::filesystem::path dir, std::vector<std::string> targets);
  // Stops it (SIGTERM, then waits).
  ~PrometheusServer();
  PrometheusServer(const PrometheusServer&) = delete;
  PrometheusServer& operator=(const PrometheusServer&) = delete;

  // The prometheus program on PATH, "" when it is not installed.
  static std::string Binary();

  // Starts it and waits until /-/ready answers 200. False with `error` (naming the Debian
  // package when the program is missing, else with Prometheus's log) otherwise.
  bool Start(std::string* error);
  // SIGTERM and wait; does nothing when it is not running.
  void Stop();
  bool running() const { return pid_ > 0; }

  // "http://127.0.0.1:PORT": what an AnalysisTemplate's prometheus.address names.
  std::string address() const;
  // Its log (stdout and stderr), for failure messages.
  std::string Log() const;

 private:
  std::filesystem::path dir_;
  int port_ = 0;
  pid_t pid_ = 0;
};

}  // namespace capstan::it
