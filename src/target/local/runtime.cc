#include "target/local/runtime.h"

#include <fmt/format.h>

#include <fstream>
#include <random>
#include <utility>

#include "store/store.h"
#include "target/local/controllers.h"
#include "target/local/kubelet.h"
#include "target/local/pod/pod_spec.h"
#include "target/local/proxy/proxy.h"
#include "target/local/traffic.h"
#include "target/local/workload/workload.h"

namespace capstan::target::local {
namespace {

namespace fs = std::filesystem;

// Checks what Kubernetes' API server would refuse at admission: pod specs the local target
// cannot run, and workload specs its controllers reject (both name the object and field).
Status Validate(const Value& object) {
  ObjectKey key = KeyOf(object);
  std::string name = key.ToString();
  if (key.kind == "Pod" && key.group.empty()) {
    const Value* spec = object.Find("spec");
    return ValidatePodSpec(spec != nullptr ? *spec : Value(), name, "spec");
  }
  bool workload = (key.group == "apps" && (key.kind == "Deployment" || key.kind == "ReplicaSet" ||
                                           key.kind == "StatefulSet")) ||
                  (key.group == "batch" && key.kind == "Job");
  if (!workload) return OkStatus();
  const Value* spec = object.At({"spec", "template", "spec"});
  CAPSTAN_TRY(ValidatePodSpec(spec != nullptr ? *spec : Value(), name, "spec.template.spec"));
  auto now = std::chrono::system_clock::now();
  workload::Actions dry;
  if (key.kind == "Deployment") dry = workload::ReconcileDeployment(object, {}, {}, now);
  if (key.kind == "StatefulSet") dry = workload::ReconcileStatefulSet(object, {}, {}, now);
  if (key.kind == "Job") {
    dry = workload::ReconcileJob(object, {}, now, workload::RandomNameSuffix(0));
  }
  if (dry.errors.empty()) return OkStatus();
  std::string message = name + ": ";
  for (size_t i = 0; i < dry.errors.size(); ++i) message += (i ? "; " : "") + dry.errors[i];
  return Error::Invalid(message);
}

bool Watched(const Value& object) {
  std::string_view kind = KindOf(object);
  return kind != "Namespace";
}

class Runtime final : public LocalRuntime {
 public:
  Runtime(RuntimeOptions options, std::unique_ptr<ObjectStore> objects,
          std::unique_ptr<proxy::Proxy> proxy)
      : options_(std::move(options)),
        objects_(std::move(objects)),
        target_(*objects_, Validate),
        podman_(options_.podman),
        proxy_(std::move(proxy)),
        traffic_(*objects_, *proxy_, options_.service_ports),
        controllers_(
            *objects_, [this](const ObjectKey& key) { (void)target_.Delete(key, {}); },
            options_.resync, [this] { traffic_.Sync(); }),
        kubelet_(*objects_, podman_, *proxy_,
                 {.pods_dir = options_.state_dir / "pods", .instance_id = options_.instance_id},
                 [this] { traffic_.Sync(); }) {
    objects_->Subscribe([this](const Value& object, bool /*removed*/) {
      if (!Watched(object)) return;
      controllers_.Wake();
      std::string_view kind = KindOf(object);
      if (kind == "Pod" || kind == "ConfigMap" || kind == "Secret") kubelet_.Wake();
    });
    traffic_.Sync();
    controllers_.Start();
    kubelet_.Start();
  }
  ~Runtime() override { Stop(); }

  LocalTarget& target() override { return target_; }
  ObjectStore& objects() override { return *objects_; }
  std::string ProxyAddress() const override {
    std::string host = options_.proxy_listen.substr(0, options_.proxy_listen.rfind(':'));
    return fmt::format("{}:{}", host, proxy_->http_port());
  }
  std::string MetricsText() const override { return proxy_->MetricsText(); }
  void Stop() override {
    kubelet_.Stop();
    controllers_.Stop();
  }

 private:
  const RuntimeOptions options_;
  std::unique_ptr<ObjectStore> objects_;
  LocalTarget target_;
  Podman podman_;
  std::unique_ptr<proxy::Proxy> proxy_;
  Traffic traffic_;
  ControllerManager controllers_;
  Kubelet kubelet_;
};

}  // namespace

Result<std::unique_ptr<LocalRuntime>> LocalRuntime::Start(store::Store& store,
                                                          RuntimeOptions options) {
  if (options.instance_id.empty()) {
    auto id = InstanceId(options.state_dir);
    if (!id.ok()) return std::move(id).error();
    options.instance_id = *id;
  }
  Podman podman(options.podman);
  if (auto version = podman.Version(); !version.ok()) {
    return Error::Unavailable("podman does not work here: " + version.error().message() +
                              " (run scripts/install-deps.sh; docs/local.md lists what podman "
                              "needs)");
  }
  auto objects = ObjectStore::Open(&store);
  if (!objects.ok()) return std::move(objects).error();
  proxy::ProxyOptions proxy_options;
  proxy_options.http_listen = options.proxy_listen;
  auto proxy = proxy::Proxy::Start(proxy_options);
  if (!proxy.ok()) return std::move(proxy).error().Wrap("proxy");
  return std::unique_ptr<LocalRuntime>(
      new Runtime(std::move(options), std::move(*objects), std::move(*proxy)));
}

Status RemoveEverything(const PodmanOptions& options, const std::string& instance_id) {
  return Podman(options).RemoveAll({{kManagedLabel, instance_id}});
}

}  // namespace capstan::target::local

namespace capstan::target::local {

Result<std::string> InstanceId(const std::filesystem::path& state_dir) {
  std::filesystem::path file = state_dir / "instance-id";
  std::ifstream in(file);
  std::string id;
  if (in >> id && !id.empty()) return id;
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);
  if (ec) return Error::Unavailable(state_dir.string() + ": " + ec.message());
  std::random_device random;
  id = fmt::format("capstan-{:08x}", random());
  std::ofstream out(file, std::ios::trunc);
  out << id << "\n";
  if (!out) return Error::Unavailable(file.string() + ": cannot be written");
  return id;
}

}  // namespace capstan::target::local
