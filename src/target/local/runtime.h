// LocalRuntime: the local target as a whole, what `capstan up` and `capstan server --local`
// run. It owns the object store (the API server), the controller loop (Deployment,
// ReplicaSet, StatefulSet, Job), the kubelet (pods as podman containers, probes, restarts,
// graceful termination) and the proxy (Service ports and Ingress routes), and hands out a
// LocalTarget for sync.
//
// Stopping it (or capstan exiting) leaves the containers running: a restarted capstan adopts
// them. RemoveEverything (`capstan down`) stops and removes them.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "core/result.h"
#include "target/local/local_target.h"
#include "target/local/object_store.h"
#include "target/local/podman/podman.h"

namespace capstan::store {
class Store;
}

namespace capstan::target::local {

struct RuntimeOptions {
  // Where pods' volume files and podman's configuration go.
  std::filesystem::path state_dir;
  // The value of kManagedLabel on everything this runtime starts: two runtimes with
  // different ids on one machine never touch each other's containers. Empty (default):
  // InstanceId(state_dir).
  std::string instance_id;
  PodmanOptions podman;
  // The shared HTTP listener for Ingress routes.
  std::string proxy_listen = "127.0.0.1:8000";
  // Where Service ports listen on the host: "namespace/name:port" -> host port; a port not
  // listed gets one the OS picks (shown in the Service's status).
  std::map<std::string, uint16_t> service_ports;
  // How often the controllers and the kubelet look again without being woken.
  std::chrono::milliseconds resync{std::chrono::seconds(1)};
};

class LocalRuntime {
 public:
  // Opens the objects kept in `store` (which must outlive the runtime), checks podman, starts
  // the proxy, the controllers and the kubelet. Unavailable when podman is missing or does
  // not work (with the reason and how to fix it).
  static Result<std::unique_ptr<LocalRuntime>> Start(store::Store& store, RuntimeOptions options);
  virtual ~LocalRuntime() = default;

  virtual LocalTarget& target() = 0;
  virtual ObjectStore& objects() = 0;
  // "127.0.0.1:8000": where the Ingress listener took its port.
  virtual std::string ProxyAddress() const = 0;
  // The proxy's metrics in Prometheus' text format.
  virtual std::string MetricsText() const = 0;
  // Stops the loops; containers keep running.
  virtual void Stop() = 0;
};

// The id kept in <state_dir>/instance-id, created on first use: the value of kManagedLabel
// on everything the runtime with this state starts.
Result<std::string> InstanceId(const std::filesystem::path& state_dir);

// Stops and removes every podman pod and container carrying kManagedLabel=`instance_id`
// (`capstan down`).
Status RemoveEverything(const PodmanOptions& podman, const std::string& instance_id);

}  // namespace capstan::target::local
