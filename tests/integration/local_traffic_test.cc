// The local target's traffic end to end, against real podman: LocalRuntime in-process, load
// from the test through its proxy (Service host ports and the Ingress listener). Readiness
// gates traffic; a rolling update of 4 replicas under load fails no request while Recreate
// shows its gap, in the answers and in the Deployment's status; a request in flight when
// its pod is deleted completes, and a pooled connection to a Service port is closed by the
// app on SIGTERM instead of cut by SIGKILL; ingress-nginx's canary weight and header split
// traffic between two versions as ingress-nginx does, counted per version in the metrics.
#include <iostream>
#include <regex>

#include "support/local_runtime_fixture.h"

namespace capstan::it {
namespace {

class LocalTrafficTest : public LocalRuntimeFixture {
 protected:
  static void SetUpTestSuite() { StartSuite(); }
  static void TearDownTestSuite() { StopSuite(); }

  std::string Ingress() const { return runtime().ProxyAddress(); }
};

TEST_F(LocalTrafficTest, ReadinessGatesTraffic) {
  DemoDeployment web;
  web.replicas = 2;
  web.args = {"--ready-after=3"};
  ASSERT_TRUE(Apply(web.Yaml() + "---\n" + ServiceYaml("web", "web") + "---\n" +
                    IngressYaml("web", "web")));
  // From now on until both pods are Ready: /ready answers 503 "not ready" from a pod that is
  // not Ready, so any such answer is a request the proxy sent too early.
  Load service(ServiceAddress("web"), false, "/ready", 20ms);
  Load ingress(Ingress(), true, "/ready", 20ms);
  ASSERT_TRUE(WaitReady("app=web", 2, 60s)) << Describe();
  std::this_thread::sleep_for(1s);
  service.Stop();
  ingress.Stop();
  for (const Load* load : {&service, &ingress}) {
    SCOPED_TRACE(load == &service ? "through the Service port" : "through the Ingress");
    int early = 0;
    int ready = 0;
    for (const Load::Sample& sample : load->Samples()) {
      if (sample.status == 503 && sample.error.find("not ready") != std::string::npos) ++early;
      if (sample.status == 200) ++ready;
    }
    EXPECT_EQ(early, 0) << "requests reached a pod before it was Ready";
    EXPECT_GT(ready, 0) << "then it served\n" << load->Failures();
    EXPECT_GT(load->Count(false), 0) << "the load started before any pod was Ready";
  }

  // /unready takes one pod out of the Service's endpoints; it keeps running.
  std::vector<Value> pods = ReadyPods("app=web");
  ASSERT_EQ(pods.size(), 2u);
  std::string out(NameOf(pods[0]));
  std::string in(NameOf(pods[1]));
  ASSERT_EQ(HttpClient(PodAddress(pods[0]), false).Get("/unready").status, 200);
  ASSERT_TRUE(WaitFor([&] { return !PodReady(*GetPod(out)); }, 10s)) << Describe();
  std::this_thread::sleep_for(200ms);
  std::map<std::string, int> served;
  for (int i = 0; i < 30; ++i) {
    HttpResult via_service = HttpClient(ServiceAddress("web"), false).Get("/");
    HttpResult via_ingress = HttpClient(Ingress(), false).Get("/");
    for (const HttpResult& result : {via_service, via_ingress}) {
      EXPECT_EQ(result.status, 200) << result.error << result.body;
      served[result.body.find("(pod " + in + ")") != std::string::npos ? "in" : result.body]++;
    }
  }
  EXPECT_EQ(served, (std::map<std::string, int>{{"in", 60}}))
      << "every request goes to the Ready pod " << in << Describe();
  Value unready = *GetPod(out);
  EXPECT_EQ(unready.StringAt({"status", "phase"}), "Running");
  EXPECT_EQ(RestartCount(unready), 0);
}

TEST_F(LocalTrafficTest, RollingUpdateUnderLoadFailsNoRequest) {
  DemoDeployment web;
  web.replicas = 4;
  web.args = {"--ready-after=1"};
  ASSERT_TRUE(Apply(web.Yaml() + "---\n" + ServiceYaml("web", "web") + "---\n" +
                    IngressYaml("web", "web")));
  ASSERT_TRUE(WaitFor([&] { return DeploymentDone("web"); }, 90s)) << Describe();

  Load ingress(Ingress(), true, "/", 5ms);
  Load service(ServiceAddress("web"), false, "/", 5ms);
  // A pooled client on the Service port: its connection stays with one pod (L4).
  Load pooled(ServiceAddress("web"), true, "/", 5ms);
  std::this_thread::sleep_for(500ms);
  web.image = kDemoV2;
  ASSERT_TRUE(Apply(web.Yaml()));

  // maxSurge 25% of 4 = 1, maxUnavailable 25% of 4 = 1: never more than 5 pods, never fewer
  // than 3 Ready (pods being deleted do not count).
  size_t most = 0;
  size_t fewest_ready = 4;
  bool done = WaitFor(
      [&] {
        size_t pods = 0;
        size_t ready = 0;
        for (const Value& pod : Pods("app=web")) {
          if (pod.At({"metadata", "deletionTimestamp"}) != nullptr) continue;
          ++pods;
          ready += PodReady(pod) ? 1 : 0;
        }
        most = std::max(most, pods);
        fewest_ready = std::min(fewest_ready, ready);
        if (!DeploymentDone("web")) return false;
        for (const Value& pod : Pods("app=web")) {
          const Value* containers = pod.At({"spec", "containers"});
          if (containers->as_array()[0].StringAt({"image"}) != kDemoV2) return false;
        }
        return true;
      },
      120s);
  std::this_thread::sleep_for(1s);
  ingress.Stop();
  service.Stop();
  pooled.Stop();
  ASSERT_TRUE(done) << "the rollout ends within 120 s" << Describe();

  for (const Load* load : {&ingress, &service, &pooled}) {
    std::string how = load == &ingress   ? "through the Ingress (keep-alive)"
                      : load == &service ? "through the Service port (a connection per request)"
                                         : "through the Service port (keep-alive)";
    SCOPED_TRACE(how);
    std::cout << how << ": " << load->Count(true) << " requests answered 200, "
              << load->Count(false) << " failed, " << load->retries()
              << " retried on a closed keep-alive connection\n";
    EXPECT_EQ(load->Count(false), 0) << load->Count(true) << " succeeded; failures:\n"
                                     << load->Failures();
    std::map<std::string, int> versions = load->Versions();
    EXPECT_GT(versions["v1"], 0);
    EXPECT_GT(versions["v2"], 0);
    // Once the first v2 answer came, the rollout only moves forward: v1 fades out.
    auto samples = load->Samples();
    ASSERT_FALSE(samples.empty());
    EXPECT_EQ(samples.back().version, "v2");
  }
  EXPECT_LE(most, 5u) << "maxSurge 1";
  EXPECT_GE(fewest_ready, 3u) << "maxUnavailable 1";
  Value deployment = *Get("apps", "Deployment", "web");
  EXPECT_EQ(deployment.StringAt({"metadata", "annotations", "deployment.kubernetes.io/revision"}),
            "2")
      << EmitYaml(deployment);
  const Value* progressing = FindCondition(deployment, "Progressing");
  ASSERT_NE(progressing, nullptr);
  EXPECT_EQ(progressing->StringAt({"reason"}), "NewReplicaSetAvailable") << EmitYaml(deployment);
  std::vector<Value> sets =
      runtime().objects().List({"apps", "ReplicaSet", ns_, *LabelSelector::Parse("app=web")});
  ASSERT_EQ(sets.size(), 2u) << "the old ReplicaSet is kept, scaled to 0" << Describe();
  int zero = 0;
  for (const Value& set : sets) zero += IntAt(set, {"spec", "replicas"}, -1) == 0 ? 1 : 0;
  EXPECT_EQ(zero, 1);
}

TEST_F(LocalTrafficTest, RecreateShowsTheGapAndReportsIt) {
  DemoDeployment web;
  web.replicas = 2;
  web.args = {"--ready-after=1"};
  web.strategy = "    type: Recreate\n";
  ASSERT_TRUE(Apply(web.Yaml() + "---\n" + ServiceYaml("web", "web") + "---\n" +
                    IngressYaml("web", "web")));
  ASSERT_TRUE(WaitFor([&] { return DeploymentDone("web"); }, 60s)) << Describe();

  Load ingress(Ingress(), true, "/", 10ms);
  std::this_thread::sleep_for(500ms);
  web.image = kDemoV2;
  ASSERT_TRUE(Apply(web.Yaml()));

  // What the Deployment said during the rollout.
  bool saw_unavailable = false;
  bool saw_updating = false;
  std::string unavailable_reason;
  bool done = WaitFor(
      [&] {
        Value deployment = *Get("apps", "Deployment", "web");
        if (const Value* available = FindCondition(deployment, "Available");
            available != nullptr && available->StringAt({"status"}) == "False") {
          saw_unavailable = true;
          unavailable_reason = std::string(available->StringAt({"reason"}));
        }
        if (const Value* progressing = FindCondition(deployment, "Progressing");
            progressing != nullptr && progressing->StringAt({"reason"}) == "ReplicaSetUpdated") {
          saw_updating = true;
        }
        if (!DeploymentDone("web")) return false;
        for (const Value& pod : Pods("app=web")) {
          if (pod.At({"spec", "containers"})->as_array()[0].StringAt({"image"}) != kDemoV2) {
            return false;
          }
        }
        return true;
      },
      90s);
  std::this_thread::sleep_for(1s);
  ingress.Stop();
  ASSERT_TRUE(done) << Describe();

  std::cout << "Recreate: " << ingress.Count(true) << " requests answered 200, "
            << ingress.Count(false) << " failed in the gap\n";
  EXPECT_GT(ingress.Count(false), 0) << "Recreate stops every v1 pod before v2 starts: a gap";
  int proxy_503 = 0;
  for (const Load::Sample& sample : ingress.Samples()) proxy_503 += sample.status == 503 ? 1 : 0;
  EXPECT_GT(proxy_503, 0) << "the proxy answers 503 while no pod is Ready\n" << ingress.Failures();
  // No overlap: after the first v2 answer, no v1 answer.
  bool seen_v2 = false;
  int v1_after_v2 = 0;
  for (const Load::Sample& sample : ingress.Samples()) {
    if (sample.version == "v2") seen_v2 = true;
    if (seen_v2 && sample.version == "v1") ++v1_after_v2;
  }
  EXPECT_TRUE(seen_v2);
  EXPECT_EQ(v1_after_v2, 0);
  EXPECT_TRUE(saw_unavailable) << "the Deployment reports the gap as Available=False";
  EXPECT_EQ(unavailable_reason, "MinimumReplicasUnavailable");
  EXPECT_TRUE(saw_updating) << "Progressing reason ReplicaSetUpdated during the rollout";
  Value deployment = *Get("apps", "Deployment", "web");
  EXPECT_TRUE(ConditionIs(deployment, "Available", "True")) << EmitYaml(deployment);
  EXPECT_EQ(FindCondition(deployment, "Progressing")->StringAt({"reason"}),
            "NewReplicaSetAvailable");
}

TEST_F(LocalTrafficTest, RequestInFlightFinishesWhenItsPodIsDeleted) {
  DemoDeployment web;
  web.grace_seconds = 20;
  ASSERT_TRUE(Apply(web.Yaml() + "---\n" + ServiceYaml("web", "web") + "---\n" +
                    IngressYaml("web", "web")));
  ASSERT_TRUE(WaitFor([&] { return DeploymentDone("web"); }, 60s)) << Describe();
  std::vector<Value> pods = Pods("app=web");
  ASSERT_EQ(pods.size(), 1u);
  std::string name(NameOf(pods[0]));
  std::string container = ContainerName(name);

  std::string service_address = ServiceAddress("web");
  std::string ingress_address = Ingress();
  HttpResult via_service;
  HttpResult via_ingress;
  auto start = std::chrono::steady_clock::now();
  std::thread service(
      [&] { via_service = HttpClient(service_address, false, 30s).Get("/slow?ms=3000"); });
  std::thread ingress(
      [&] { via_ingress = HttpClient(ingress_address, true, 30s).Get("/slow?ms=3000"); });
  std::this_thread::sleep_for(800ms);
  Status deleted = runtime().target().Delete({"", "Pod", ns_, name}, {});
  ASSERT_TRUE(deleted.ok()) << deleted.error().message();
  auto marked = GetPod(name);
  EXPECT_TRUE(!marked || marked->At({"metadata", "deletionTimestamp"}) != nullptr);
  service.join();
  ingress.join();
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  EXPECT_EQ(via_service.status, 200) << via_service.error << Describe();
  EXPECT_EQ(via_service.body, "slept 3000 ms\n");
  EXPECT_EQ(via_ingress.status, 200) << via_ingress.error << Describe();
  EXPECT_EQ(via_ingress.body, "slept 3000 ms\n");
  EXPECT_GE(took, 2.9);
  // Then the pod goes, and well before its 20 s grace period: once drained it got SIGTERM.
  EXPECT_TRUE(WaitFor([&] { return !GetPod(name) && !Containers().contains(container); }, 10s))
      << Describe();
  // Its ReplicaSet replaced it.
  EXPECT_TRUE(WaitFor([&] { return DeploymentDone("web") && !GetPod(name); }, 60s)) << Describe();
  EXPECT_TRUE(WaitFor([&] { return HttpClient(Ingress(), false).Get("/").status == 200; }, 10s));
}

TEST_F(LocalTrafficTest, PooledServiceConnectionSeesItsPodStopGracefully) {
  // A client that keeps its connection to a Service port (a connection pool) stays with one
  // pod (L4): its drain lasts as long as the connection. The pod must still get SIGTERM
  // before the grace period ends, so the app closes the idle connection and the client's
  // next request reconnects to another pod, instead of being cut by the SIGKILL at the end.
  DemoDeployment web;
  web.grace_seconds = 8;
  ASSERT_TRUE(Apply(web.Yaml() + "---\n" + ServiceYaml("web", "web")));
  ASSERT_TRUE(WaitFor([&] { return DeploymentDone("web"); }, 60s)) << Describe();
  std::string old_pod(NameOf(Pods("app=web").at(0)));
  HttpClient pooled(ServiceAddress("web"), true, 30s);
  HttpResult first = pooled.Get("/");
  ASSERT_EQ(first.status, 200) << first.error;
  ASSERT_NE(first.body.find(old_pod), std::string::npos) << first.body;

  auto deleted_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(runtime().target().Delete({"", "Pod", ns_, old_pod}, {}).ok());
  // The ReplicaSet's replacement serves; the old pod, deleting, is still running.
  ASSERT_TRUE(WaitFor(
      [&] {
        for (const Value& pod : ReadyPods("app=web")) {
          if (NameOf(pod) != old_pod) return true;
        }
        return false;
      },
      5s))
      << Describe();
  std::this_thread::sleep_until(deleted_at + 5s);
  // 5 s into an 8 s grace period: the old pod has had SIGTERM, and the demo app closes idle
  // connections when it does.
  EXPECT_TRUE(pooled.ClosedByPeer())
      << "the old pod still holds the idle connection: no SIGTERM yet (its drain waits for "
         "the connection until the grace period ends)";
  // The pool reconnects, to the replacement.
  auto sent = std::chrono::steady_clock::now();
  HttpResult late = pooled.Get("/slow?ms=4000");
  EXPECT_EQ(late.status, 200) << late.error << Describe();
  EXPECT_EQ(late.body, "slept 4000 ms\n");
  EXPECT_LT(std::chrono::steady_clock::now() - sent, 5500ms)
      << "the request was not first held by the old pod and cut when it was killed";
}

TEST_F(LocalTrafficTest, CanaryByWeightAndByHeader) {
  DemoDeployment stable;
  stable.name = "web-v1";
  DemoDeployment canary;
  canary.name = "web-v2";
  canary.image = kDemoV2;
  ASSERT_TRUE(Apply(stable.Yaml() + "---\n" + canary.Yaml() + "---\n" +
                    ServiceYaml("stable", "web-v1") + "---\n" + ServiceYaml("canary", "web-v2") +
                    "---\n" + IngressYaml("web", "stable")));
  const std::string weighted = R"(    nginx.ingress.kubernetes.io/canary: "true"
    nginx.ingress.kubernetes.io/canary-weight: "10"
)";
  ASSERT_TRUE(Apply(IngressYaml("web-canary", "canary", weighted)));
  ASSERT_TRUE(WaitFor([&] { return DeploymentDone("web-v1") && DeploymentDone("web-v2"); }, 60s))
      << Describe();

  HttpClient client(Ingress(), true);
  // The canary routes once its pod is Ready.
  ASSERT_TRUE(WaitFor([&] { return VersionOf(client.Get("/").body) == "v2"; }, 10s)) << Describe();
  std::map<std::string, int> versions;
  std::string failures;
  for (int i = 0; i < 2000; ++i) {
    HttpResult result = client.Get("/");
    if (result.status != 200 && failures.size() < 1000) {
      failures += std::to_string(result.status) + " " + result.error + result.body + "\n";
    }
    versions[result.status == 200 ? VersionOf(result.body) : "failed"]++;
  }
  std::cout << "canary-weight 10: " << versions["v2"] << " of 2000 requests went to v2\n";
  EXPECT_EQ(versions["failed"], 0) << failures;
  EXPECT_EQ(versions["v1"] + versions["v2"], 2000);
  EXPECT_GE(versions["v2"], 160) << "canary-weight 10: 10% ± 2% of 2,000";
  EXPECT_LE(versions["v2"], 240) << "canary-weight 10: 10% ± 2% of 2,000";

  // By header: exactly the requests with X-Canary: yes; any other value or none goes by
  // weight, here 0.
  const std::string by_header = R"(    nginx.ingress.kubernetes.io/canary: "true"
    nginx.ingress.kubernetes.io/canary-by-header: X-Canary
    nginx.ingress.kubernetes.io/canary-by-header-value: "yes"
    nginx.ingress.kubernetes.io/canary-weight: "0"
)";
  ASSERT_TRUE(Apply(IngressYaml("web-canary", "canary", by_header)));
  const HttpClient::Headers yes = {{"X-Canary", "yes"}};
  ASSERT_TRUE(WaitFor(
      [&] {
        for (int i = 0; i < 20; ++i) {
          if (VersionOf(client.Get("/").body) != "v1") return false;
        }
        return true;
      },
      10s))
      << "the weight went to 0";
  std::map<std::string, std::map<std::string, int>> seen;
  for (int i = 0; i < 100; ++i) {
    for (const auto& [label, headers] : std::vector<std::pair<std::string, HttpClient::Headers>>{
             {"yes", yes},
             {"none", {}},
             {"no", {{"X-Canary", "no"}}},
             {"always", {{"X-Canary", "always"}}},
             {"YES", {{"x-canary", "YES"}}}}) {
      HttpResult result = client.Get("/", headers);
      seen[label][result.status == 200 ? VersionOf(result.body) : "failed"]++;
    }
  }
  EXPECT_EQ(seen["yes"], (std::map<std::string, int>{{"v2", 100}}));
  EXPECT_EQ(seen["none"], (std::map<std::string, int>{{"v1", 100}}));
  EXPECT_EQ(seen["no"], (std::map<std::string, int>{{"v1", 100}}));
  EXPECT_EQ(seen["always"], (std::map<std::string, int>{{"v1", 100}}))
      << "with canary-by-header-value set, only that value selects the canary";
  EXPECT_EQ(seen["YES"], (std::map<std::string, int>{{"v1", 100}}))
      << "the value is matched exactly (ingress-nginx compares case-sensitively)";

  // The proxy counted them by version (the pods' version label).
  std::string metrics = runtime().MetricsText();
  std::smatch count;
  ASSERT_TRUE(std::regex_search(
      metrics, count,
      std::regex("capstan_proxy_requests_total\\{namespace=\"" + ns_ +
                 "\",service=\"canary\",version=\"v2\",code_class=\"2xx\"\\} ([0-9]+)")))
      << metrics;
  EXPECT_GE(std::stoi(count[1]), versions["v2"] + 100) << metrics;
}

}  // namespace
}  // namespace capstan::it
