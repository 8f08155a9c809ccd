// Syncs against a real kube-apiserver (scripts/kube-env.sh, no controllers) through
// fault_proxy (tests/support/fault_proxy.h), a test stand-in TLS proxy that answers 429,
// 500 and 503, resets connections and stalls requests: a sync still converges within the
// client's retry budget (target/kube/retry.h), gives up in bounded time when every request
// fails, with a message naming the object and the failure, and watches stream through.
// Drives sync::RunSync with a KubeClient whose kubeconfig points at the proxy (a copy of
// DIR/kubeconfig: same token, insecure-skip-tls-verify), and `capstan apply` with that
// kubeconfig. Needs `scripts/kube-env.sh build`;
// without it every test fails loudly.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/yaml.h"
#include "fault_proxy.h"
#include "support/kube_cluster.h"
#include "support/run.h"
#include "sync/plan.h"
#include "sync/sync.h"
#include "target/kube/kube.h"

namespace {

using capstan::Manifest;
using capstan::ObjectKey;
using capstan::Value;
using capstan::it::Describe;
using capstan::it::KubeCluster;
using capstan::it::KubeClusterOptions;
using capstan::it::RunOutput;
using capstan::it::RunProgram;
using capstan::it::TempDir;
using capstan::testing::Fault;
using capstan::testing::FaultName;
using capstan::testing::FaultProxy;
using capstan::testing::FaultRates;
namespace sync = capstan::sync;
namespace kube = capstan::target::kube;
using Clock = std::chrono::steady_clock;

// Fewer than the client's default max_attempts (5), so every request gets through.
constexpr int kMaxConsecutiveFaults = 2;

std::string Summary(const sync::SyncResult& result) {
  std::string out = std::string(sync::OperationPhaseName(result.phase)) + ": " + result.message;
  for (const sync::ResourceResult& r : result.resources) {
    out += "\n  " + r.key.ToString() + " " + std::string(sync::ResultCodeName(r.status)) + " " +
           r.message;
  }
  return out;
}

std::string Faults(const FaultProxy& proxy) {
  std::string out;
  for (Fault fault :
       {Fault::kNone, Fault::k429, Fault::k500, Fault::k503, Fault::kReset, Fault::kStall}) {
    out += std::string(FaultName(fault)) + "=" + std::to_string(proxy.Count(fault)) + " ";
  }
  return out;
}

// A Namespace and `count` ConfigMaps in it.
std::vector<Manifest> ConfigMaps(const std::string& ns, int count) {
  std::vector<Manifest> out;
  auto parse = [&](const std::string& yaml) {
    auto value = capstan::ParseYaml(yaml, "fault_test.yaml");
    EXPECT_TRUE(value.ok()) << (value.ok() ? "" : value.error().message());
    if (value.ok()) out.push_back({std::move(value).value(), "fault_test.yaml"});
  };
  parse("apiVersion: v1\nkind: Namespace\nmetadata: {name: " + ns + "}\n");
  for (int i = 0; i < count; ++i) {
    parse("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-" + std::to_string(i) +
          ", namespace: " + ns + "}\ndata: {index: \"" + std::to_string(i) + "\"}\n");
  }
  return out;
}

class FaultTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>();
    cluster_ = std::make_unique<KubeCluster>(dir_->path(), KubeClusterOptions{});
    started_ = cluster_->started();
    if (!started_) {
      start_error_ = cluster_->error();
      return;
    }
    auto config = kube::LoadKubeConfig(dir_->path() / "kubeconfig");
    if (!config.ok()) {
      start_error_ = "kubeconfig: " + config.error().message();
      return;
    }
    direct_config_ = *config;
    auto client = kube::KubeClient::Create(*config);
    if (!client.ok()) {
      start_error_ = "client: " + client.error().message();
      return;
    }
    direct_ = std::move(client).value();
  }

  static void TearDownTestSuite() {
    direct_.reset();
    cluster_.reset();
    dir_.reset();
  }

  void SetUp() override { ASSERT_TRUE(direct_ != nullptr) << start_error_; }

  // A proxy in front of the API server, serving with the API server's own certificate
  // (its SANs cover 127.0.0.1).
  static std::unique_ptr<FaultProxy> StartProxy(FaultProxy::Options options) {
    std::string server = direct_config_.server;  // https://127.0.0.1:PORT
    options.upstream_port = std::stoi(server.substr(server.rfind(':') + 1));
    options.cert_file = (dir_->path() / "pki" / "apiserver.crt").string();
    options.key_file = (dir_->path() / "pki" / "apiserver.key").string();
    auto proxy = FaultProxy::Start(options);
    EXPECT_TRUE(proxy.ok()) << (proxy.ok() ? "" : proxy.error().message());
    return proxy.ok() ? std::move(proxy).value() : nullptr;
  }

  // DIR/kubeconfig with the server changed to the proxy (same token,
  // insecure-skip-tls-verify); empty when DIR/kubeconfig has no server URL.
  static std::string ProxyKubeconfig(const FaultProxy& proxy) {
    std::ifstream in(dir_->path() / "kubeconfig");
    std::stringstream text;
    text << in.rdbuf();
    std::string yaml = text.str();
    size_t at = yaml.find(direct_config_.server);
    EXPECT_NE(at, std::string::npos) << "no server URL in DIR/kubeconfig";
    if (at == std::string::npos) return "";
    yaml.replace(at, direct_config_.server.size(), proxy.url());
    return dir_->Write("kubeconfig-proxy-" + std::to_string(proxy.port()), yaml).string();
  }

  // A client through the proxy.
  static std::unique_ptr<kube::KubeClient> ClientThrough(const FaultProxy& proxy,
                                                         const kube::KubeClientOptions& options) {
    std::string path = ProxyKubeconfig(proxy);
    if (path.empty()) return nullptr;
    auto config = kube::LoadKubeConfig(path);
    EXPECT_TRUE(config.ok()) << (config.ok() ? "" : config.error().message());
    if (!config.ok()) return nullptr;
    EXPECT_TRUE(config->insecure_skip_tls_verify);
    EXPECT_FALSE(config->token.empty());
    auto client = kube::KubeClient::Create(*config, options);
    EXPECT_TRUE(client.ok()) << (client.ok() ? "" : client.error().message());
    return client.ok() ? std::move(client).value() : nullptr;
  }

  static sync::SyncResult Sync(kube::KubeClient& client, const std::string& app,
                               std::vector<Manifest> desired) {
    sync::PlanInput input;
    input.desired = std::move(desired);
    sync::PlanOptions plan_options;
    plan_options.app = app;
    auto plan = sync::BuildPlan(input, plan_options);
    EXPECT_TRUE(plan.ok()) << (plan.ok() ? "" : plan.error().message());
    sync::SyncOptions options;
    options.app = app;
    options.poll_interval = std::chrono::milliseconds(200);
    options.wave_timeout = std::chrono::seconds(30);
    return sync::RunSync(client, plan.ok() ? *plan : sync::Plan{}, options);
  }

  // Checked on the API server directly, not through the proxy.
  static void ExpectAllExist(const std::string& ns, int count) {
    for (int i = 0; i < count; ++i) {
      std::string name = "cm-" + std::to_string(i);
      auto live = direct_->Get(ObjectKey{"", "ConfigMap", ns, name});
      ASSERT_TRUE(live.ok()) << live.error().message();
      ASSERT_TRUE(live->has_value()) << ns << "/" << name << " missing";
      EXPECT_EQ((*live)->StringAt({"data", "index"}), std::to_string(i));
    }
  }

  // No request was sent more often than the retry budget allows: the records of one
  // method and target that follow a fault are its retries (requests run concurrently, so
  // they are grouped by request, not by arrival).
  static void ExpectWithinBudget(const FaultProxy& proxy, int max_attempts) {
    std::map<std::string, int> run;
    for (const capstan::testing::FaultRecord& record : proxy.Records()) {
      int& attempts = run[record.method + " " + record.target];
      ++attempts;
      EXPECT_LE(attempts, max_attempts) << record.method << " " << record.target;
      if (record.fault == Fault::kNone) attempts = 0;
    }
  }

  static std::unique_ptr<TempDir> dir_;
  inline static std::unique_ptr<KubeCluster> cluster_;
  static bool started_;
  static std::string start_error_;
  static kube::KubeConfig direct_config_;
  static std::unique_ptr<kube::KubeClient> direct_;
};

std::unique_ptr<TempDir> FaultTest::dir_;
bool FaultTest::started_ = false;
std::string FaultTest::start_error_;
kube::KubeConfig FaultTest::direct_config_;
std::unique_ptr<kube::KubeClient> FaultTest::direct_;

TEST_F(FaultTest, SyncConvergesThroughErrorsAndResets) {
  FaultProxy::Options options;
  options.faults = {.status_429 = 0.1, .status_500 = 0.1, .status_503 = 0.1, .reset = 0.05};
  options.max_consecutive_faults = kMaxConsecutiveFaults;
  std::unique_ptr<FaultProxy> proxy = StartProxy(options);
  ASSERT_NE(proxy, nullptr);
  kube::KubeClientOptions client_options;
  std::unique_ptr<kube::KubeClient> client = ClientThrough(*proxy, client_options);
  ASSERT_NE(client, nullptr);

  constexpr int kObjects = 30;
  sync::SyncResult result = Sync(*client, "faults-a", ConfigMaps("faults-a", kObjects));
  ASSERT_EQ(result.phase, sync::OperationPhase::kSucceeded)
      << Summary(result) << "\nproxy: " << Faults(*proxy);
  ExpectAllExist("faults-a", kObjects);
  // The proxy really got in the way, with every kind of fault asked for.
  EXPECT_GT(proxy->Count(Fault::k429), 0) << Faults(*proxy);
  EXPECT_GT(proxy->Count(Fault::k500), 0) << Faults(*proxy);
  EXPECT_GT(proxy->Count(Fault::k503), 0) << Faults(*proxy);
  EXPECT_GT(proxy->Count(Fault::kReset), 0) << Faults(*proxy);
  ExpectWithinBudget(*proxy, client_options.transport.retry.max_attempts);
  std::cout << "proxy: " << Faults(*proxy) << "\n";
}

TEST_F(FaultTest, EveryRequestUnavailableFailsInBoundedTimeNamingTheFailure) {
  // Few objects: the dry run tries every object and each spends its own retry budget on
  // the same failing discovery request, so 30 objects take about 100 s per reason.
  constexpr int kObjectsB = 3;
  FaultProxy::Options options;
  options.faults = {.status_503 = 1.0};
  std::unique_ptr<FaultProxy> proxy = StartProxy(options);
  ASSERT_NE(proxy, nullptr);
  kube::KubeClientOptions client_options;
  std::unique_ptr<kube::KubeClient> client = ClientThrough(*proxy, client_options);
  ASSERT_NE(client, nullptr);

  Clock::time_point start = Clock::now();
  sync::SyncResult result = Sync(*client, "faults-b", ConfigMaps("faults-b", kObjectsB));
  auto took = Clock::now() - start;
  EXPECT_EQ(result.phase, sync::OperationPhase::kFailed) << Summary(result);
  EXPECT_LT(took, std::chrono::seconds(90));
  // The first object the sync tried, the status and the server's words.
  EXPECT_NE(result.message.find("Namespace faults-b"), std::string::npos) << Summary(result);
  EXPECT_NE(result.message.find("503"), std::string::npos) << Summary(result);
  EXPECT_NE(result.message.find("Service Unavailable"), std::string::npos) << Summary(result);
  // Each request was tried exactly max_attempts times, then given up.
  std::vector<capstan::testing::FaultRecord> records = proxy->Records();
  ASSERT_FALSE(records.empty());
  std::map<std::string, int> attempts;
  for (const auto& record : records) ++attempts[record.method + " " + record.target];
  for (const auto& [request, count] : attempts) {
    EXPECT_EQ(count % client_options.transport.retry.max_attempts, 0) << request;
  }
  EXPECT_FALSE(direct_->Get(ObjectKey{"", "Namespace", "", "faults-b"})->has_value());

  SCOPED_TRACE("every connection reset");
  proxy->SetFaults({.reset = 1.0});
  start = Clock::now();
  result = Sync(*client, "faults-b", ConfigMaps("faults-b", kObjectsB));
  took = Clock::now() - start;
  EXPECT_EQ(result.phase, sync::OperationPhase::kFailed) << Summary(result);
  EXPECT_LT(took, std::chrono::seconds(90));
  EXPECT_NE(result.message.find("Namespace faults-b"), std::string::npos) << Summary(result);
  EXPECT_NE(result.message.find("attempts"), std::string::npos) << Summary(result);
}

TEST_F(FaultTest, StalledRequestsTimeOutAndAreRetried) {
  FaultProxy::Options options;
  options.faults = {.stall = 0.3};
  options.stall = std::chrono::milliseconds(4000);
  options.max_consecutive_faults = kMaxConsecutiveFaults;
  std::unique_ptr<FaultProxy> proxy = StartProxy(options);
  ASSERT_NE(proxy, nullptr);
  kube::KubeClientOptions client_options;
  client_options.transport.request_timeout = std::chrono::milliseconds(1500);
  std::unique_ptr<kube::KubeClient> client = ClientThrough(*proxy, client_options);
  ASSERT_NE(client, nullptr);

  constexpr int kObjects = 10;
  sync::SyncResult result = Sync(*client, "faults-c", ConfigMaps("faults-c", kObjects));
  ASSERT_EQ(result.phase, sync::OperationPhase::kSucceeded)
      << Summary(result) << "\nproxy: " << Faults(*proxy);
  ExpectAllExist("faults-c", kObjects);
  EXPECT_GT(proxy->Count(Fault::kStall), 0) << Faults(*proxy);
  ExpectWithinBudget(*proxy, client_options.transport.retry.max_attempts);
}

TEST_F(FaultTest, WatchStreamsThroughTheProxy) {
  std::unique_ptr<FaultProxy> proxy = StartProxy({});
  ASSERT_NE(proxy, nullptr);
  std::unique_ptr<kube::KubeClient> client = ClientThrough(*proxy, {});
  ASSERT_NE(client, nullptr);
  auto made = direct_->Apply(ConfigMaps("faults-w", 0)[0].object, {});
  ASSERT_TRUE(made.ok()) << made.error().message();

  capstan::target::Selector selector;
  selector.api_version = "v1";
  selector.kind = "ConfigMap";
  selector.ns = "faults-w";
  auto list = client->ListWithVersion(selector);
  ASSERT_TRUE(list.ok()) << list.error().message();
  // Created after the watch started: the event can only come through the open stream.
  std::jthread creator([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    auto cm = capstan::ParseYaml(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: late, namespace: faults-w}\n", "w");
    ASSERT_TRUE(cm.ok());
    auto applied = direct_->Apply(*cm, {});
    EXPECT_TRUE(applied.ok()) << applied.error().message();
  });
  std::stop_source stop;
  std::jthread timer([&](std::stop_token cancelled) {
    for (int i = 0; i < 100 && !cancelled.stop_requested(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    stop.request_stop();
  });
  std::string seen;
  auto end = client->Watch(
      selector, list->resource_version,
      [&](const capstan::target::WatchEvent& event) {
        seen = event.object.StringAt({"metadata", "name"});
        return false;
      },
      stop.get_token());
  ASSERT_TRUE(end.ok()) << end.error().message();
  EXPECT_EQ(seen, "late");
  EXPECT_EQ(proxy->Injected(), 0);
}

// The same through `capstan apply`, the command a user runs.
TEST_F(FaultTest, CliApplyConvergesThroughFaults) {
  FaultProxy::Options options;
  options.faults = {.status_429 = 0.1, .status_500 = 0.1, .status_503 = 0.1, .reset = 0.05};
  options.max_consecutive_faults = kMaxConsecutiveFaults;
  options.seed = 7;
  std::unique_ptr<FaultProxy> proxy = StartProxy(options);
  ASSERT_NE(proxy, nullptr);
  std::string kubeconfig = ProxyKubeconfig(*proxy);
  ASSERT_FALSE(kubeconfig.empty());

  constexpr int kObjects = 30;
  std::string yaml;
  for (const Manifest& manifest : ConfigMaps("faults-cli", kObjects)) {
    yaml += "---\n" + capstan::EmitYaml(manifest.object);
  }
  TempDir app;
  app.Write("faults-cli/objects.yaml", yaml);
  RunOutput run = RunProgram(
      {CAPSTAN_BINARY, "apply", (app.path() / "faults-cli").string(), "--kubeconfig", kubeconfig});
  ASSERT_EQ(run.exit_code, 0) << Describe(run) << "\nproxy: " << Faults(*proxy);
  ExpectAllExist("faults-cli", kObjects);
  EXPECT_GT(proxy->Injected(), 0) << Faults(*proxy);
  EXPECT_GT(proxy->Count(Fault::k429), 0) << Faults(*proxy);
  EXPECT_GT(proxy->Count(Fault::kReset), 0) << Faults(*proxy);
  ExpectWithinBudget(*proxy, kube::RetryOptions{}.max_attempts);
}

TEST_F(FaultTest, CliApplyAgainstAnUnavailableServerFailsClearly) {
  FaultProxy::Options options;
  options.faults = {.status_503 = 1.0};
  std::unique_ptr<FaultProxy> proxy = StartProxy(options);
  ASSERT_NE(proxy, nullptr);
  std::string kubeconfig = ProxyKubeconfig(*proxy);
  ASSERT_FALSE(kubeconfig.empty());
  std::string yaml;
  for (const Manifest& manifest : ConfigMaps("faults-cli-down", 2)) {
    yaml += "---\n" + capstan::EmitYaml(manifest.object);
  }
  TempDir app;
  app.Write("down/objects.yaml", yaml);

  Clock::time_point start = Clock::now();
  RunOutput run = RunProgram(
      {CAPSTAN_BINARY, "apply", (app.path() / "down").string(), "--kubeconfig", kubeconfig});
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(90));
  EXPECT_EQ(run.exit_code, 1) << Describe(run);
  EXPECT_NE(run.err.find("503"), std::string::npos) << Describe(run);
  EXPECT_NE(run.err.find("Service Unavailable"), std::string::npos) << Describe(run);
  // It fails before any object is applied (listing what is live), and says so and where.
  EXPECT_NE(run.err.find("reading live objects from kube " + proxy->url()), std::string::npos)
      << Describe(run);
}

}  // namespace
