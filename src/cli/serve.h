// The one server loop behind `capstan server` and `capstan up`: store, Git, the controller,
// destinations (kubeconfig contexts and/or the local target), the HTTP API; runs until
// SIGINT or SIGTERM.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/result.h"

namespace capstan::cli {

struct ServeOptions {
  std::string kubeconfig;  // empty: $KUBECONFIG, then ~/.kube/config
  std::string context;
  bool use_kubeconfig = true;  // false: no cluster at all (capstan up)
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

  // The local target (destination.name: local).
  bool local = false;
  std::string proxy_listen = "127.0.0.1:8000";
  std::map<std::string, uint16_t> service_ports;  // "ns/name:port" -> host port

  // The name printed in messages: "capstan server", "capstan up".
  std::string command = "capstan server";
};

// Parses --service-port values "namespace/name:port=hostport" (e.g. "demo/web:80=18080")
// into `ports`. Invalid names the bad value.
Result<std::map<std::string, uint16_t>> ParseServicePorts(const std::vector<std::string>& values);

// What Serve reports once it listens.
struct ServeInfo {
  std::string api_address;    // "127.0.0.1:8080"
  std::string proxy_address;  // "" without the local target
};

// Runs until SIGINT or SIGTERM; returns the exit code (2 for bad flags or set-up). Calls
// `on_ready` once everything listens (on the calling thread, before waiting for signals).
// REQUIRES: called on the main thread before any other thread started (it blocks the
// signals it waits for).
int Serve(const ServeOptions& options, const std::function<void(const ServeInfo&)>& on_ready = {});

}  // namespace capstan::cli
