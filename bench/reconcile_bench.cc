// The pure work of one full reconcile pass of the Application controller, timed: for each of
// 1,000 Applications with 20 objects (7 Deployments, 7 Services, 6 ConfigMaps), compare the
// cached render with the live objects as a v1.20 API server returns them (managedFields,
// resourceVersion, uid, defaults, status) — controller::Compare, which diffs and assesses
// health — and run the policy checks (policy::Evaluate). No I/O: renders and live objects
// are built in memory first, as the render cache and the watch-fed live cache hold them.
//
//   reconcile_bench [APPS] [PASSES]     (default 1000 apps, 5 passes)
//
// Prints CPU time per full pass (CLOCK_PROCESS_CPUTIME_ID), wall time, and peak RSS.
// The goal in the issue: under 1 s of CPU per full pass. Every Application must come out
// Synced and Healthy, or the live objects are not what the server would return and the
// figure would time the wrong path: the program then prints the first difference and fails.
#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "controller/application.h"
#include "controller/compare.h"
#include "core/yaml.h"
#include "diff/diff.h"
#include "policy/policy.h"
#include "sync/sync.h"

namespace {

using capstan::Manifest;
using capstan::Value;

constexpr int kDeployments = 7;
constexpr int kServices = 7;
constexpr int kConfigMaps = 6;

Value Parse(const std::string& text) {
  auto value = capstan::ParseYaml(text, "reconcile_bench");
  if (!value.ok()) {
    fmt::print(stderr, "bench fixture does not parse: {}\n{}\n", value.error().message(), text);
    std::exit(2);
  }
  return std::move(value).value();
}

std::string DeploymentSpec(const std::string& name, int app) {
  return fmt::format(R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: {0}
  namespace: team-{1}
  labels: {{app.kubernetes.io/name: {0}, app.kubernetes.io/version: "1.{1}.0"}}
spec:
  replicas: 2
  selector:
    matchLabels: {{app.kubernetes.io/name: {0}}}
  template:
    metadata:
      labels: {{app.kubernetes.io/name: {0}}}
    spec:
      serviceAccountName: default
      containers:
      - name: app
        image: registry.example.com/team-{1}/{0}:1.{1}.0
        ports:
        - {{name: http, containerPort: 8080}}
        envFrom:
        - configMapRef: {{name: {0}-config}}
        resources:
          requests: {{cpu: 100m, memory: 128Mi}}
          limits: {{cpu: "1", memory: 256Mi}}
        readinessProbe:
          httpGet: {{path: /healthz, port: http}}
        livenessProbe:
          httpGet: {{path: /healthz, port: http}}
        securityContext:
          runAsNonRoot: true
          readOnlyRootFilesystem: true
          allowPrivilegeEscalation: false
)",
                     name, app);
}

// What kube-apiserver v1.20 returns for that Deployment after capstan applied it and the
// controller manager rolled it out.
std::string DeploymentLive(const std::string& name, int app, const std::string& tracking) {
  return fmt::format(R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: {0}
  namespace: team-{1}
  uid: 6f1c2d3e-{1:04d}-4a5b-8c9d-0e1f2a3b4c5d
  resourceVersion: "{2}"
  generation: 1
  creationTimestamp: "2026-11-21T10:00:00Z"
  labels: {{app.kubernetes.io/name: {0}, app.kubernetes.io/version: "1.{1}.0", app.kubernetes.io/instance: app-{1}}}
  annotations:
    deployment.kubernetes.io/revision: "1"
    argocd.argoproj.io/tracking-id: "{3}"
  managedFields:
  - manager: capstan
    operation: Apply
    apiVersion: apps/v1
    time: "2026-11-21T10:00:00Z"
    fieldsType: FieldsV1
    fieldsV1:
      f:metadata:
        f:annotations: {{f:argocd.argoproj.io/tracking-id: {{}}}}
        f:labels: {{f:app.kubernetes.io/instance: {{}}, f:app.kubernetes.io/name: {{}}, f:app.kubernetes.io/version: {{}}}}
      f:spec:
        f:replicas: {{}}
        f:selector: {{f:matchLabels: {{f:app.kubernetes.io/name: {{}}}}}}
        f:template:
          f:metadata: {{f:labels: {{f:app.kubernetes.io/name: {{}}}}}}
          f:spec:
            f:serviceAccountName: {{}}
            f:containers:
              k:{{"name":"app"}}:
                .: {{}}
                f:envFrom: {{}}
                f:image: {{}}
                f:livenessProbe: {{f:httpGet: {{f:path: {{}}, f:port: {{}}}}}}
                f:name: {{}}
                f:ports:
                  k:{{"containerPort":8080,"protocol":"TCP"}}: {{.: {{}}, f:containerPort: {{}}, f:name: {{}}}}
                f:readinessProbe: {{f:httpGet: {{f:path: {{}}, f:port: {{}}}}}}
                f:resources: {{f:limits: {{f:cpu: {{}}, f:memory: {{}}}}, f:requests: {{f:cpu: {{}}, f:memory: {{}}}}}}
                f:securityContext: {{f:allowPrivilegeEscalation: {{}}, f:readOnlyRootFilesystem: {{}}, f:runAsNonRoot: {{}}}}
  - manager: kube-controller-manager
    operation: Update
    apiVersion: apps/v1
    time: "2026-11-21T10:00:30Z"
    fieldsType: FieldsV1
    fieldsV1:
      f:metadata: {{f:annotations: {{f:deployment.kubernetes.io/revision: {{}}}}}}
      f:status: {{f:availableReplicas: {{}}, f:conditions: {{}}, f:observedGeneration: {{}}, f:readyReplicas: {{}}, f:replicas: {{}}, f:updatedReplicas: {{}}}}
spec:
  replicas: 2
  selector:
    matchLabels: {{app.kubernetes.io/name: {0}}}
  template:
    metadata:
      creationTimestamp: null
      labels: {{app.kubernetes.io/name: {0}}}
    spec:
      serviceAccountName: default
      serviceAccount: default
      containers:
      - name: app
        image: registry.example.com/team-{1}/{0}:1.{1}.0
        ports:
        - {{name: http, containerPort: 8080, protocol: TCP}}
        envFrom:
        - configMapRef: {{name: {0}-config}}
        resources:
          requests: {{cpu: 100m, memory: 128Mi}}
          limits: {{cpu: "1", memory: 256Mi}}
        readinessProbe:
          httpGet: {{path: /healthz, port: http, scheme: HTTP}}
          timeoutSeconds: 1
          periodSeconds: 10
          successThreshold: 1
          failureThreshold: 3
        livenessProbe:
          httpGet: {{path: /healthz, port: http, scheme: HTTP}}
          timeoutSeconds: 1
          periodSeconds: 10
          successThreshold: 1
          failureThreshold: 3
        securityContext:
          runAsNonRoot: true
          readOnlyRootFilesystem: true
          allowPrivilegeEscalation: false
        terminationMessagePath: /dev/termination-log
        terminationMessagePolicy: File
        imagePullPolicy: IfNotPresent
      restartPolicy: Always
      terminationGracePeriodSeconds: 30
      dnsPolicy: ClusterFirst
      securityContext: {{}}
      schedulerName: default-scheduler
  strategy:
    type: RollingUpdate
    rollingUpdate: {{maxUnavailable: 25%, maxSurge: 25%}}
  revisionHistoryLimit: 10
  progressDeadlineSeconds: 600
status:
  observedGeneration: 1
  replicas: 2
  updatedReplicas: 2
  readyReplicas: 2
  availableReplicas: 2
  conditions:
  - type: Available
    status: "True"
    lastUpdateTime: "2026-11-21T10:00:30Z"
    lastTransitionTime: "2026-11-21T10:00:30Z"
    reason: MinimumReplicasAvailable
    message: Deployment has minimum availability.
  - type: Progressing
    status: "True"
    lastUpdateTime: "2026-11-21T10:00:30Z"
    lastTransitionTime: "2026-11-21T10:00:00Z"
    reason: NewReplicaSetAvailable
    message: ReplicaSet "{0}-5d8f7c9b6d" has successfully progressed.
)",
                     name, app, 100000 + app, tracking);
}

std::string ServiceSpec(const std::string& name, int app) {
  return fmt::format(R"(apiVersion: v1
kind: Service
metadata:
  name: {0}
  namespace: team-{1}
  labels: {{app.kubernetes.io/name: {0}}}
spec:
  selector: {{app.kubernetes.io/name: {0}}}
  ports:
  - {{name: http, port: 80, targetPort: http}}
)",
                     name, app);
}

std::string ServiceLive(const std::string& name, int app, const std::string& tracking) {
  return fmt::format(R"(apiVersion: v1
kind: Service
metadata:
  name: {0}
  namespace: team-{1}
  uid: 7a2b3c4d-{1:04d}-4e5f-8a9b-1c2d3e4f5a6b
  resourceVersion: "{2}"
  creationTimestamp: "2026-11-21T10:00:00Z"
  labels: {{app.kubernetes.io/name: {0}, app.kubernetes.io/instance: app-{1}}}
  annotations: {{argocd.argoproj.io/tracking-id: "{3}"}}
  managedFields:
  - manager: capstan
    operation: Apply
    apiVersion: v1
    time: "2026-11-21T10:00:00Z"
    fieldsType: FieldsV1
    fieldsV1:
      f:metadata:
        f:annotations: {{f:argocd.argoproj.io/tracking-id: {{}}}}
        f:labels: {{f:app.kubernetes.io/instance: {{}}, f:app.kubernetes.io/name: {{}}}}
      f:spec:
        f:ports:
          k:{{"port":80,"protocol":"TCP"}}: {{.: {{}}, f:name: {{}}, f:port: {{}}, f:targetPort: {{}}}}
        f:selector: {{f:app.kubernetes.io/name: {{}}}}
spec:
  clusterIP: 10.0.{4}.{5}
  selector: {{app.kubernetes.io/name: {0}}}
  ports:
  - {{name: http, port: 80, protocol: TCP, targetPort: http}}
  type: ClusterIP
  sessionAffinity: None
status:
  loadBalancer: {{}}
)",
                     name, app, 200000 + app, tracking, app / 250, app % 250);
}

std::string ConfigMapSpec(const std::string& name, int app) {
  return fmt::format(R"(apiVersion: v1
kind: ConfigMap
metadata:
  name: {0}
  namespace: team-{1}
data:
  LOG_LEVEL: info
  FEATURE_FLAGS: "checkout=true,search=false"
  DATABASE_URL: "postgres://app@db.team-{1}.svc.cluster.local:5432/{0}"
  application.properties: |
    server.port=8080
    management.endpoints.web.exposure.include=health,info,prometheus
)",
                     name, app);
}

std::string ConfigMapLive(const std::string& name, int app, const std::string& tracking) {
  return fmt::format(R"(apiVersion: v1
kind: ConfigMap
metadata:
  name: {0}
  namespace: team-{1}
  uid: 8b3c4d5e-{1:04d}-4f6a-9b0c-2d3e4f5a6b7c
  resourceVersion: "{2}"
  creationTimestamp: "2026-11-21T10:00:00Z"
  labels: {{app.kubernetes.io/instance: app-{1}}}
  annotations: {{argocd.argoproj.io/tracking-id: "{3}"}}
  managedFields:
  - manager: capstan
    operation: Apply
    apiVersion: v1
    time: "2026-11-21T10:00:00Z"
    fieldsType: FieldsV1
    fieldsV1:
      f:data: {{f:DATABASE_URL: {{}}, f:FEATURE_FLAGS: {{}}, f:LOG_LEVEL: {{}}, f:application.properties: {{}}}}
      f:metadata:
        f:annotations: {{f:argocd.argoproj.io/tracking-id: {{}}}}
        f:labels: {{f:app.kubernetes.io/instance: {{}}}}
data:
  LOG_LEVEL: info
  FEATURE_FLAGS: "checkout=true,search=false"
  DATABASE_URL: "postgres://app@db.team-{1}.svc.cluster.local:5432/{0}"
  application.properties: |
    server.port=8080
    management.endpoints.web.exposure.include=health,info,prometheus
)",
                     name, app, 300000 + app, tracking);
}

struct AppData {
  capstan::controller::Application app;
  std::vector<Manifest> desired;
  std::vector<Value> live;
};

AppData MakeApp(int index) {
  AppData data;
  data.app.name = fmt::format("app-{}", index);
  data.app.destination.server = "https://kubernetes.default.svc";
  data.app.destination.namespace_ = fmt::format("team-{}", index);
  auto add = [&](const std::string& desired, auto live_text) {
    Value object = Parse(desired);
    std::string tracking = capstan::sync::TrackingId(data.app.name, capstan::KeyOf(object));
    data.desired.push_back({object, "manifests.yaml"});
    data.live.push_back(Parse(live_text(tracking)));
  };
  for (int i = 0; i < kDeployments; ++i) {
    std::string name = fmt::format("svc{}", i);
    add(DeploymentSpec(name, index), [&](auto& t) { return DeploymentLive(name, index, t); });
  }
  for (int i = 0; i < kServices; ++i) {
    std::string name = fmt::format("svc{}", i);
    add(ServiceSpec(name, index), [&](auto& t) { return ServiceLive(name, index, t); });
  }
  for (int i = 0; i < kConfigMaps; ++i) {
    std::string name = fmt::format("svc{}-config", i);
    add(ConfigMapSpec(name, index), [&](auto& t) { return ConfigMapLive(name, index, t); });
  }
  return data;
}

double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

long PeakRssKb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
  int apps = argc > 1 ? std::atoi(argv[1]) : 1000;
  int passes = argc > 2 ? std::atoi(argv[2]) : 5;
  std::vector<AppData> all;
  all.reserve(apps);
  for (int i = 0; i < apps; ++i) all.push_back(MakeApp(i));
  long rss_data = PeakRssKb();
  fmt::print("{} Applications x {} objects, live objects as kube-apiserver v1.20 returns them\n",
             apps, kDeployments + kServices + kConfigMaps);
  fmt::print("peak RSS after building renders and live cache: {:.1f} MB\n", rss_data / 1024.0);

  capstan::policy::PolicyConfig policy;
  std::vector<double> cpu, wall;
  for (int pass = 0; pass < passes; ++pass) {
    size_t synced = 0, healthy = 0, findings = 0;
    double cpu_start = CpuSeconds();
    auto wall_start = std::chrono::steady_clock::now();
    for (const AppData& data : all) {
      auto comparison = capstan::controller::Compare(data.app, data.desired, data.live);
      if (!comparison.ok()) {
        fmt::print(stderr, "{}: {}\n", data.app.name, comparison.error().message());
        return 1;
      }
      if (comparison->sync_status == "Synced") ++synced;
      if (comparison->health.health.status == capstan::health::HealthStatus::kHealthy) ++healthy;
      findings += capstan::policy::Evaluate(data.desired, policy).findings.size();
    }
    cpu.push_back(CpuSeconds() - cpu_start);
    wall.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count());
    if (synced != all.size() || healthy != all.size()) {
      const AppData& first = all.front();
      auto comparison = capstan::controller::Compare(first.app, first.desired, first.live);
      fmt::print(stderr, "only {} of {} Synced, {} Healthy: the fixtures are wrong\n", synced,
                 all.size(), healthy);
      std::vector<Manifest> live;
      for (const Value& object : first.live) live.push_back({object, ""});
      auto set = capstan::diff::DiffAll(first.desired, live,
                                        capstan::controller::ToDiffOptions(first.app));
      if (set.ok()) fmt::print(stderr, "{}\n", capstan::diff::PrintUnified(*set, {}));
      fmt::print(stderr, "health: {}\n", comparison->health.health.message);
      return 1;
    }
    fmt::print("pass {}: CPU {:.3f} s, wall {:.3f} s ({} Synced, {} Healthy, {} policy findings)\n",
               pass + 1, cpu.back(), wall.back(), synced, healthy, findings);
  }
  std::sort(cpu.begin(), cpu.end());
  fmt::print(
      "CPU per full pass: median {:.3f} s, min {:.3f} s, max {:.3f} s ({:.0f} us per "
      "Application)\n",
      cpu[cpu.size() / 2], cpu.front(), cpu.back(), cpu[cpu.size() / 2] / apps * 1e6);
  fmt::print("peak RSS: {:.1f} MB\n", PeakRssKb() / 1024.0);
  return 0;
}
