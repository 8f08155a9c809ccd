#include "target/local/pod/pod_spec.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/fs.h"
#include "core/object.h"
#include "core/yaml.h"

namespace capstan::target::local {
namespace {

using Env = std::vector<std::pair<std::string, std::string>>;

std::vector<Value> LoadAll(const std::string& file) {
  std::string path = "testdata/" + file;
  auto text = ReadFileBounded(path, 1u << 20);
  EXPECT_TRUE(text.ok()) << path;
  if (!text.ok()) return {};
  auto docs = ParseYamlStream(*text, path);
  EXPECT_TRUE(docs.ok()) << (docs.ok() ? "" : docs.error().message());
  std::vector<Value> out;
  if (docs.ok()) {
    for (auto& doc : *docs) out.push_back(std::move(doc.value));
  }
  return out;
}

Value Load(const std::string& file) {
  std::vector<Value> docs = LoadAll(file);
  return docs.empty() ? Value() : docs.front();
}

Value Yaml(std::string_view text) {
  auto value = ParseYaml(text, "test");
  EXPECT_TRUE(value.ok()) << (value.ok() ? "" : value.error().message());
  return value.ok() ? *value : Value();
}

// ConfigMaps and Secrets from testdata/objects.yaml, counting look-ups.
struct Objects {
  std::vector<Value> all = LoadAll("objects.yaml");
  int lookups = 0;
  ObjectLookup Lookup() {
    return [this](const std::string& kind, const std::string& ns,
                  const std::string& name) -> std::optional<Value> {
      ++lookups;
      for (const Value& object : all) {
        if (KindOf(object) == kind && NamespaceOf(object) == ns && NameOf(object) == name) {
          return object;
        }
      }
      return std::nullopt;
    };
  }
};

PlanOptions Options() {
  PlanOptions options;
  options.data_dir = "/state/pods/shop/web-7d9f";
  options.managed_by = "state-1";
  options.pod_ip = "10.88.0.5";
  return options;
}

TEST(PlanPod, WebPodBecomesPodmanContainers) {
  Objects objects;
  Result<PodPlan> plan = PlanPod(Load("pod-web.yaml"), objects.Lookup(), Options());
  ASSERT_TRUE(plan.ok()) << plan.error().message();
  EXPECT_EQ(plan->pod_name, "capstan-shop_web-7d9f");
  EXPECT_EQ(plan->hostname, "web-7d9f");
  EXPECT_EQ(plan->restart_policy, "Always");
  EXPECT_EQ(plan->termination_grace_period_seconds, 45);
  EXPECT_EQ(plan->qos_class, "Burstable");
  EXPECT_TRUE(plan->uses_pod_ip);
  EXPECT_EQ(plan->mount_error, "");
  EXPECT_EQ(plan->labels, (std::map<std::string, std::string>{
                              {"capstan.dev/managed-by", "state-1"},
                              {"io.kubernetes.pod.name", "web-7d9f"},
                              {"io.kubernetes.pod.namespace", "shop"},
                              {"io.kubernetes.pod.uid", "5f0c1a2e-0000-4000-8000-000000000001"}}));

  ASSERT_EQ(plan->init_containers.size(), 1u);
  const ContainerPlan& migrate = plan->init_containers[0];
  EXPECT_EQ(migrate.spec.name, "capstan-shop_web-7d9f_migrate");
  EXPECT_EQ(migrate.spec.command, (std::vector<std::string>{"/bin/migrate", "--db=db.shop"}));
  EXPECT_EQ(migrate.image_pull_policy, "IfNotPresent");

  ASSERT_EQ(plan->containers.size(), 2u);
  const ContainerPlan& web = plan->containers[0];
  EXPECT_EQ(web.name, "web");
  EXPECT_EQ(web.config_error, "");
  EXPECT_EQ(web.spec.name, "capstan-shop_web-7d9f_web");
  EXPECT_EQ(web.spec.pod, "capstan-shop_web-7d9f");
  EXPECT_EQ(web.spec.image, "registry.local/shop/web:1.4.2");
  EXPECT_EQ(web.spec.command, (std::vector<std::string>{"/bin/web"}));
  EXPECT_EQ(web.spec.args, (std::vector<std::string>{"--listen=:8080", "--log=debug",
                                                     "--literal=$(PORT)", "--unknown=$(NOPE)"}));
  EXPECT_EQ(web.spec.working_dir, "/srv");
  EXPECT_EQ(web.spec.env, (Env{{"LOG_LEVEL", "debug"},
                               {"DB_HOST", "db.shop"},
                               {"config.yaml", "port: 8080\n"},
                               {"PORT", "8080"},
                               {"POD_NAME", "web-7d9f"},
                               {"POD_IP", "10.88.0.5"},
                               {"DB_PASSWORD", "secret"}}));
  EXPECT_EQ(web.spec.memory_limit_bytes, 128 << 20);
  EXPECT_EQ(web.spec.cpu_limit_millis, 500);
  EXPECT_EQ(web.spec.user, "10001:10001");  // the pod's runAsUser, the container's group
  EXPECT_TRUE(web.spec.read_only_root_filesystem);
  EXPECT_EQ(web.spec.labels.at("io.kubernetes.container.name"), "web");
  EXPECT_EQ(web.spec.labels.at("capstan.dev/managed-by"), "state-1");
  EXPECT_EQ(web.spec.labels.at("capstan.dev/container-hash").size(), 16u);
  EXPECT_NE(web.spec.labels.at("capstan.dev/container-hash"),
            plan->containers[1].spec.labels.at("capstan.dev/container-hash"));

  const std::string volumes = "/state/pods/shop/web-7d9f/volumes/";
  ASSERT_EQ(web.spec.mounts.size(), 4u);
  EXPECT_EQ(web.spec.mounts[0].host_path, volumes + "kubernetes.io~configmap/config");
  EXPECT_EQ(web.spec.mounts[0].container_path, "/etc/web");
  EXPECT_TRUE(web.spec.mounts[0].read_only);  // ConfigMap volumes are always read-only
  EXPECT_EQ(web.spec.mounts[1].host_path, volumes + "kubernetes.io~secret/creds");
  EXPECT_TRUE(web.spec.mounts[1].read_only);
  EXPECT_EQ(web.spec.mounts[2].host_path, volumes + "kubernetes.io~empty-dir/cache/web");
  EXPECT_EQ(web.spec.mounts[2].container_path, "/var/cache/web");
  EXPECT_FALSE(web.spec.mounts[2].read_only);
  EXPECT_EQ(web.spec.mounts[3].host_path, volumes + "kubernetes.io~empty-dir/cache");

  ASSERT_EQ(web.ports.size(), 2u);
  EXPECT_EQ(web.ports[0].name, "http");
  EXPECT_EQ(web.ports[0].container_port, 8080);
  EXPECT_EQ(web.ports[1].protocol, "TCP");

  ASSERT_TRUE(web.readiness_probe.has_value());
  EXPECT_EQ(web.readiness_probe->handler, ProbeHandler::kHttpGet);
  EXPECT_EQ(web.readiness_probe->port, 8080);  // the named port "http"
  EXPECT_EQ(web.readiness_probe->path, "/ready");
  EXPECT_EQ(web.readiness_probe->period_seconds, 5);
  EXPECT_EQ(web.readiness_probe->timeout_seconds, 1);
  ASSERT_TRUE(web.liveness_probe.has_value());
  EXPECT_EQ(web.liveness_probe->handler, ProbeHandler::kTcpSocket);
  EXPECT_EQ(web.liveness_probe->initial_delay_seconds, 10);
  EXPECT_EQ(web.liveness_probe->failure_threshold, 5);
  ASSERT_TRUE(web.startup_probe.has_value());
  EXPECT_EQ(web.startup_probe->command, (std::vector<std::string>{"cat", "/tmp/started"}));

  const ContainerPlan& sidecar = plan->containers[1];
  EXPECT_EQ(sidecar.image_pull_policy, "Always");  // no tag
  EXPECT_EQ(sidecar.spec.user, "10001");
  EXPECT_FALSE(sidecar.spec.read_only_root_filesystem);
  EXPECT_TRUE(sidecar.spec.env.empty());
  EXPECT_FALSE(sidecar.readiness_probe.has_value());

  ASSERT_EQ(plan->files.size(), 5u);
  EXPECT_EQ(plan->files[0].path, volumes + "kubernetes.io~configmap/config/conf/web.yaml");
  EXPECT_EQ(plan->files[0].content, "port: 8080\n");
  EXPECT_EQ(plan->files[0].mode, 0644);
  EXPECT_EQ(plan->files[1].path, volumes + "kubernetes.io~configmap/config/logo.png");
  EXPECT_EQ(plan->files[1].content, "\x89PNG");  // binaryData, decoded
  EXPECT_EQ(plan->files[1].mode, 0600);
  EXPECT_EQ(plan->files[2].path, volumes + "kubernetes.io~secret/creds/password");
  EXPECT_EQ(plan->files[2].content, "secret");  // decoded
  EXPECT_EQ(plan->files[2].mode, 0400);
  EXPECT_EQ(plan->files[4].path, volumes + "kubernetes.io~secret/creds/user");  // stringData
  EXPECT_EQ(plan->files[4].content, "app");
  EXPECT_EQ(plan->config_dirs,
            (std::vector<std::filesystem::path>{volumes + "kubernetes.io~configmap/config",
                                                volumes + "kubernetes.io~secret/creds"}));
  EXPECT_EQ(plan->empty_dirs,
            (std::vector<std::filesystem::path>{volumes + "kubernetes.io~empty-dir/cache",
                                                volumes + "kubernetes.io~empty-dir/cache/web"}));
  // Each ConfigMap and Secret is looked up once, however often it is used.
  EXPECT_EQ(objects.lookups, 2);
}

TEST(PlanPod, EnvPrecedenceAndExpansionAsTheKubelet) {
  Objects objects;
  PlanOptions options = Options();
  Result<PodPlan> plan = PlanPod(Load("pod-env.yaml"), objects.Lookup(), options);
  ASSERT_TRUE(plan.ok()) << plan.error().message();
  const ContainerSpec& spec = plan->containers[0].spec;
  EXPECT_EQ(spec.env, (Env{
                          {"LOG_LEVEL", "warn"},  // envFrom app, then overrides, then env
                          {"DB_HOST", "db.shop"},
                          {"config.yaml", "port: 8080\n"},
                          {"EXTRA", "yes"},
                          {"DB_password", "secret"},  // prefix, decoded
                          {"DB_url", "postgres://app:secret@db/shop"},
                          {"DB_user", "app"},
                          {"EARLY", "$(LATE)-info"},  // LATE comes later; LOG_LEVEL from envFrom
                          {"LATE", "later"},          // the later definition wins
                          {"AFTER", "warn/late/$(LATE)/yes"},
                          {"NS", "shop"},
                          {"UID", "u-1"},
                          {"APP", "env"},
                          {"NOTE", "hi"},
                          {"NOLABEL", ""},
                          {"NODE", "local"},
                          {"SA", "default"},
                          {"HOST_IP", "127.0.0.1"},
                          {"URL", "postgres://app:secret@db/shop"},
                          {"EMPTY", ""},
                      }));
  // command sees the final environment, and is not expanded twice.
  EXPECT_EQ(spec.command, (std::vector<std::string>{"echo", "warn/late/$(LATE)/yes", "later"}));
  EXPECT_FALSE(plan->uses_pod_ip);
  EXPECT_EQ(plan->qos_class, "BestEffort");
}

TEST(PlanPod, MissingConfigMapsAndSecretsAreReportedAsTheKubeletDoes) {
  struct Case {
    std::string name;
    std::string container;  // the container's YAML, indented under containers:
    std::string volume;     // a volume's YAML, or ""
    std::string config_error;
    std::string mount_error;
  };
  const std::vector<Case> cases = {
      {"env from a missing configmap", "envFrom: [{configMapRef: {name: nope}}]", "",
       "configmap \"nope\" not found", ""},
      {"env from a missing secret", "envFrom: [{secretRef: {name: nope}}]", "",
       "secret \"nope\" not found", ""},
      {"optional envFrom", "envFrom: [{secretRef: {name: nope, optional: true}}]", "", "", ""},
      {"key of a missing configmap",
       "env: [{name: X, valueFrom: {configMapKeyRef: {name: nope, key: k}}}]", "",
       "configmap \"nope\" not found", ""},
      {"missing key", "env: [{name: X, valueFrom: {configMapKeyRef: {name: app, key: k}}}]", "",
       "couldn't find key k in ConfigMap shop/app", ""},
      {"missing secret key", "env: [{name: X, valueFrom: {secretKeyRef: {name: db, key: k}}}]", "",
       "couldn't find key k in Secret shop/db", ""},
      {"optional key",
       "env: [{name: X, valueFrom: {secretKeyRef: {name: db, key: k, optional: true}}}]", "", "",
       ""},
      {"volume of a missing configmap", "", "{name: v, configMap: {name: nope}}", "",
       "MountVolume.SetUp failed for volume \"v\" : configmap \"nope\" not found"},
      {"volume of a missing secret", "", "{name: v, secret: {secretName: nope}}", "",
       "MountVolume.SetUp failed for volume \"v\" : secret \"nope\" not found"},
      {"optional volume", "", "{name: v, secret: {secretName: nope, optional: true}}", "", ""},
      {"volume item of a missing key", "",
       "{name: v, configMap: {name: app, items: [{key: nope, path: x}]}}", "",
       "MountVolume.SetUp failed for volume \"v\" : configmap references non-existent config "
       "key: nope"},
      {"volume item of a missing secret key", "",
       "{name: v, secret: {secretName: db, items: [{key: nope, path: x}]}}", "",
       "MountVolume.SetUp failed for volume \"v\" : references non-existent secret key: nope"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::string yaml =
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n  containers:\n"
        "  - name: app\n    image: app:1\n";
    if (!c.container.empty()) yaml += "    " + c.container + "\n";
    if (!c.volume.empty()) yaml += "  volumes:\n  - " + c.volume + "\n";
    Objects objects;
    Result<PodPlan> plan = PlanPod(Yaml(yaml), objects.Lookup(), Options());
    ASSERT_TRUE(plan.ok()) << plan.error().message();
    EXPECT_EQ(plan->containers[0].config_error, c.config_error);
    EXPECT_EQ(plan->mount_error, c.mount_error);
    if (!c.mount_error.empty()) {
      EXPECT_TRUE(plan->files.empty());
    }
  }
}

TEST(PlanPod, RefusesWhatTheLocalTargetDoesNotRun) {
  std::vector<Value> pods = LoadAll("unsupported.yaml");
  ASSERT_GE(pods.size(), 20u);
  Objects objects;
  for (const Value& pod : pods) {
    SCOPED_TRACE(std::string(NameOf(pod)));
    std::string want(pod.StringAt({"metadata", "annotations", "capstan.test/error"}));
    Result<PodPlan> plan = PlanPod(pod, objects.Lookup(), Options());
    ASSERT_FALSE(plan.ok());
    EXPECT_EQ(plan.error().code(), ErrorCode::kInvalid);
    EXPECT_EQ(plan.error().message(), want);
    // The validator the local target runs on apply says the same, without looking anything up.
    Status valid = ValidatePodSpec(*pod.Find("spec"), KeyOf(pod).ToString(), "spec");
    ASSERT_FALSE(valid.ok());
    EXPECT_EQ(valid.error().message(), want);
  }
}

TEST(PlanPod, NamesArePodmanSafe) {
  Objects objects;
  PlanOptions options = Options();
  options.name_prefix = "my capstan/";
  options.pod_ip.clear();
  const std::string name = std::string(62, 'a') + "-tail";  // the 63rd character is '-'
  Value pod = Yaml("apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name +
                   "\n  namespace: shop\nspec:\n  containers:\n  - {name: app, image: app:1, "
                   "env: [{name: IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}]}\n");
  Result<PodPlan> plan = PlanPod(pod, objects.Lookup(), options);
  ASSERT_TRUE(plan.ok()) << plan.error().message();
  EXPECT_EQ(plan->pod_name, "my-capstan-shop_" + name);
  EXPECT_EQ(plan->containers[0].spec.name, "my-capstan-shop_" + name + "_app");
  // Cut to 63 characters, then the trailing '-' dropped.
  EXPECT_EQ(plan->hostname, std::string(62, 'a'));
  // Without the pod's IP yet: empty, and the plan says to plan again.
  EXPECT_TRUE(plan->uses_pod_ip);
  EXPECT_EQ(plan->containers[0].spec.env, (Env{{"IP", ""}}));
}

TEST(QosClass, AsKubernetes) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"containers: [{name: a}]", "BestEffort"},
      {"containers: [{name: a, resources: {limits: {cpu: 1, memory: 1Gi}}}]", "Guaranteed"},
      {"containers: [{name: a, resources: {limits: {cpu: 1, memory: 1Gi}, requests: {cpu: "
       "1000m, memory: 1073741824}}}]",
       "Guaranteed"},
      {"containers: [{name: a, resources: {limits: {cpu: 1, memory: 1Gi}, requests: {cpu: "
       "500m}}}]",
       "Burstable"},
      {"containers: [{name: a, resources: {limits: {cpu: 1}}}]", "Burstable"},
      {"containers: [{name: a, resources: {requests: {memory: 1Gi}}}]", "Burstable"},
      {"containers: [{name: a, resources: {limits: {cpu: 1, memory: 1Gi}}}, {name: b}]",
       "Burstable"},
      {"containers: [{name: a, resources: {requests: {ephemeral-storage: 1Gi}}}]", "BestEffort"},
  };
  for (const auto& [spec, want] : cases) {
    SCOPED_TRACE(spec);
    EXPECT_EQ(QosClass(Yaml(spec)), want);
  }
}

}  // namespace
}  // namespace capstan::target::local
