// target/kube against a real kube-apiserver v1.20.2 and etcd (scripts/kube-env.sh): apply,
// dry run, field-manager conflicts, get, paginated list, delete, discovery of a CRD created
// during the test, watch, informer and the live-state cache.
// Needs `scripts/kube-env.sh build` (run by scripts/test.sh) and kubectl on PATH; without
// them every test fails loudly.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/yaml.h"
#include "support/kube_cluster.h"
#include "support/run.h"
#include "target/kube/informer.h"
#include "target/kube/kube.h"
#include "target/kube/live_cache.h"

namespace capstan::target::kube {
namespace {

namespace fs = std::filesystem;
using capstan::it::Describe;
using capstan::it::KubeCluster;
using capstan::it::KubeClusterOptions;
using capstan::it::RunOutput;
using capstan::it::RunProgram;
using capstan::it::TempDir;
using namespace std::chrono_literals;

constexpr char kNs[] = "kube-client-test";

Value Yaml(const std::string& text) {
  Result<Value> value = ParseYaml(text, "test");
  EXPECT_TRUE(value.ok()) << value.error().message();
  return value.ok() ? *value : Value();
}

Value ConfigMap(const std::string& name, const std::string& value,
                const std::string& labels = "{}") {
  return Yaml("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\n  namespace: " +
              kNs + "\n  labels: " + labels + "\ndata:\n  key: " + value + "\n");
}

ObjectKey ConfigMapKey(const std::string& name) { return {"", "ConfigMap", kNs, name}; }

// Polls `condition` until it holds or `timeout` passes.
template <typename F>
bool Eventually(F condition, std::chrono::milliseconds timeout = 5s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return condition();
}

class KubeClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>();
    cluster_ = std::make_unique<KubeCluster>(dir_->path(), KubeClusterOptions{});
    started_ = cluster_->started();
    if (!started_) {
      start_error_ = cluster_->error();
      return;
    }
    setenv("KUBECONFIG", (dir_->path() / "kubeconfig").c_str(), 1);
    Result<KubeConfig> config = LoadKubeConfig(dir_->path() / "kubeconfig");
    if (!config.ok()) {
      start_error_ = config.error().message();
      started_ = false;
      return;
    }
    config_ = std::make_unique<KubeConfig>(*config);
    Result<Value> ns = Client().Apply(Yaml(std::string("apiVersion: v1\nkind: Namespace\n"
                                                       "metadata:\n  name: ") +
                                           kNs + "\n"),
                                      {});
    if (!ns.ok()) start_error_ = ns.error().message();
  }

  static void TearDownTestSuite() {
    client_.reset();
    cluster_.reset();
    dir_.reset();
  }

  void SetUp() override {
    ASSERT_TRUE(started_) << start_error_;
    ASSERT_TRUE(start_error_.empty()) << start_error_;
  }

  static KubeClient& Client() {
    if (!client_) {
      Result<std::unique_ptr<KubeClient>> client = KubeClient::Create(*config_);
      EXPECT_TRUE(client.ok()) << client.error().message();
      client_ = std::move(*client);
    }
    return *client_;
  }

  static std::unique_ptr<TempDir> dir_;
  inline static std::unique_ptr<KubeCluster> cluster_;
  static bool started_;
  static std::string start_error_;
  static std::unique_ptr<KubeConfig> config_;
  static std::unique_ptr<KubeClient> client_;
};

std::unique_ptr<TempDir> KubeClientTest::dir_;
bool KubeClientTest::started_ = false;
std::string KubeClientTest::start_error_;
std::unique_ptr<KubeConfig> KubeClientTest::config_;
std::unique_ptr<KubeClient> KubeClientTest::client_;

TEST_F(KubeClientTest, DescribeNamesServerAndContextButNoToken) {
  std::string description = Client().Describe();
  EXPECT_NE(description.find(config_->server), std::string::npos) << description;
  EXPECT_NE(description.find("capstan-test"), std::string::npos) << description;
  EXPECT_EQ(description.find(config_->token), std::string::npos);
}

TEST_F(KubeClientTest, ApplyCreatesThenUpdatesAndTheGenerationBumps) {
  Value deployment = Yaml(std::string(R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: )") + kNs + R"(
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.25"}]
)");
  Result<Value> created = Client().Apply(deployment, {});
  ASSERT_TRUE(created.ok()) << created.error().message();
  EXPECT_EQ(created->At({"metadata", "generation"})->as_int(), 1);
  EXPECT_EQ(created->StringAt({"metadata", "managedFields"}), "");
  const Value* managers = created->At({"metadata"})->Find("managedFields");
  ASSERT_NE(managers, nullptr);
  EXPECT_EQ(managers->as_array()[0].StringAt({"manager"}), "capstan");

  (*deployment.At({"spec"}))["replicas"] = 3;
  Result<Value> updated = Client().Apply(deployment, {});
  ASSERT_TRUE(updated.ok()) << updated.error().message();
  EXPECT_EQ(updated->At({"metadata", "generation"})->as_int(), 2);
  EXPECT_EQ(updated->At({"spec", "replicas"})->as_int(), 3);

  // Applying the same again changes nothing.
  Result<Value> again = Client().Apply(deployment, {});
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(again->At({"metadata", "generation"})->as_int(), 2);
  EXPECT_EQ(again->StringAt({"metadata", "resourceVersion"}),
            updated->StringAt({"metadata", "resourceVersion"}));
}

TEST_F(KubeClientTest, ANamespacedObjectWithoutNamespaceGoesToTheContextsDefault) {
  Value object = Yaml("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: no-ns\ndata: {a: b}\n");
  Result<Value> applied = Client().Apply(object, {});
  ASSERT_TRUE(applied.ok()) << applied.error().message();
  EXPECT_EQ(applied->StringAt({"metadata", "namespace"}), "default");
  Result<std::optional<Value>> got = Client().Get({"", "ConfigMap", "", "no-ns"});
  ASSERT_TRUE(got.ok()) << got.error().message();
  EXPECT_TRUE(got->has_value());
}

TEST_F(KubeClientTest, DryRunReturnsTheObjectButPersistsNothing) {
  Result<Value> dry = Client().Apply(ConfigMap("dry", "x"), {.force = false, .dry_run = true});
  ASSERT_TRUE(dry.ok()) << dry.error().message();
  EXPECT_EQ(dry->StringAt({"data", "key"}), "x");
  EXPECT_NE(dry->StringAt({"metadata", "uid"}), "");
  Result<std::optional<Value>> got = Client().Get(ConfigMapKey("dry"));
  ASSERT_TRUE(got.ok()) << got.error().message();
  EXPECT_FALSE(got->has_value());
}

TEST_F(KubeClientTest, AFieldOwnedByAnotherManagerConflictsUnlessForced) {
  TempDir files;
  fs::path manifest =
      files.Write("cm.yaml", std::string("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "
                                         "contested\n  namespace: ") +
                                 kNs + "\ndata:\n  key: theirs\n");
  RunOutput other = RunProgram(
      {"kubectl", "apply", "--server-side", "--field-manager", "other", "-f", manifest.string()});
  ASSERT_EQ(other.exit_code, 0) << Describe(other);

  Result<Value> conflict = Client().Apply(ConfigMap("contested", "ours"), {});
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.error().code(), ErrorCode::kConflict) << conflict.error().message();
  EXPECT_NE(conflict.error().message().find("ConfigMap kube-client-test/contested: "),
            std::string::npos)
      << conflict.error().message();
  EXPECT_NE(conflict.error().message().find("other"), std::string::npos)
      << conflict.error().message();

  Result<Value> forced = Client().Apply(ConfigMap("contested", "ours"), {.force = true});
  ASSERT_TRUE(forced.ok()) << forced.error().message();
  EXPECT_EQ(forced->StringAt({"data", "key"}), "ours");
}

TEST_F(KubeClientTest, InvalidObjectsCarryTheServersMessageAndTheKey) {
  Value bad = ConfigMap("Not_A_Valid_Name", "x");
  Result<Value> applied = Client().Apply(bad, {});
  ASSERT_FALSE(applied.ok());
  EXPECT_EQ(applied.error().code(), ErrorCode::kInvalid) << applied.error().message();
  EXPECT_NE(applied.error().message().find("ConfigMap kube-client-test/Not_A_Valid_Name: "),
            std::string::npos)
      << applied.error().message();
  EXPECT_NE(applied.error().message().find("RFC 1123"), std::string::npos)
      << applied.error().message();
}

TEST_F(KubeClientTest, GetOfAMissingObjectIsNulloptAndOfAnUnknownKindNotFound) {
  Result<std::optional<Value>> missing = Client().Get(ConfigMapKey("never-created"));
  ASSERT_TRUE(missing.ok()) << missing.error().message();
  EXPECT_FALSE(missing->has_value());

  Result<std::optional<Value>> kind = Client().Get({"example.com", "Nothing", kNs, "x"});
  ASSERT_FALSE(kind.ok());
  EXPECT_EQ(kind.error().code(), ErrorCode::kNotFound) << kind.error().message();
}

TEST_F(KubeClientTest, ListReadsEveryPageAndFillsApiVersionAndKind) {
  KubeClientOptions options;
  options.list_page_size = 7;
  Result<std::unique_ptr<KubeClient>> small = KubeClient::Create(*config_, options);
  ASSERT_TRUE(small.ok()) << small.error().message();
  constexpr int kCount = 30;
  for (int i = 0; i < kCount; ++i) {
    Result<Value> applied =
        Client().Apply(ConfigMap("page-" + std::to_string(i), "v", "{paged: \"yes\"}"), {});
    ASSERT_TRUE(applied.ok()) << applied.error().message();
  }
  Result<std::vector<Value>> items = (*small)->List({"v1", "ConfigMap", kNs, "paged=yes", ""});
  ASSERT_TRUE(items.ok()) << items.error().message();
  ASSERT_EQ(items->size(), static_cast<size_t>(kCount));
  for (const Value& item : *items) {
    EXPECT_EQ(item.StringAt({"apiVersion"}), "v1");
    EXPECT_EQ(item.StringAt({"kind"}), "ConfigMap");
  }
  Result<std::vector<Value>> by_field =
      (*small)->List({"v1", "ConfigMap", kNs, "", "metadata.name=page-3"});
  ASSERT_TRUE(by_field.ok()) << by_field.error().message();
  ASSERT_EQ(by_field->size(), 1u);
}

TEST_F(KubeClientTest, DeleteRemovesWithThePropagationAskedAndMissingIsFine) {
  ASSERT_TRUE(Client().Apply(ConfigMap("doomed", "x"), {}).ok());
  // A dry run deletes nothing.
  Status dry = Client().Delete(ConfigMapKey("doomed"), {.dry_run = true});
  ASSERT_TRUE(dry.ok()) << dry.error().message();
  ASSERT_TRUE(Client().Get(ConfigMapKey("doomed"))->has_value());

  Status deleted = Client().Delete(ConfigMapKey("doomed"), {});
  ASSERT_TRUE(deleted.ok()) << deleted.error().message();
  EXPECT_FALSE(Client().Get(ConfigMapKey("doomed"))->has_value());
  Status again = Client().Delete(ConfigMapKey("doomed"), {});
  EXPECT_TRUE(again.ok()) << again.error().message();

  // Foreground: the server marks the object for the garbage collector (which removes it
  // once its dependents are gone; without a controller manager it stays marked).
  ASSERT_TRUE(Client().Apply(ConfigMap("foreground", "x"), {}).ok());
  Status foreground =
      Client().Delete(ConfigMapKey("foreground"), {.propagation = Propagation::kForeground});
  ASSERT_TRUE(foreground.ok()) << foreground.error().message();
  Result<std::optional<Value>> after = Client().Get(ConfigMapKey("foreground"));
  ASSERT_TRUE(after.ok());
  if (after->has_value()) {
    EXPECT_NE((*after)->StringAt({"metadata", "deletionTimestamp"}), "");
    const Value* finalizers = (*after)->At({"metadata", "finalizers"});
    ASSERT_NE(finalizers, nullptr);
    EXPECT_EQ(finalizers->as_array()[0], Value("foregroundDeletion"));
  }
}

TEST_F(KubeClientTest, ACustomResourceIsFoundOnceItsDefinitionIsEstablished) {
  Value crd = Yaml(R"(apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, x-kubernetes-preserve-unknown-fields: true}
)");
  Result<KindInfo> before = Client().LookupKind("example.com/v1", "Widget");
  ASSERT_FALSE(before.ok());
  EXPECT_EQ(before.error().code(), ErrorCode::kNotFound);

  ASSERT_TRUE(Client().Apply(crd, {}).ok());
  Value widget = Yaml(std::string("apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: "
                                  "w1\n  namespace: ") +
                      kNs + "\nspec:\n  size: 3\n");
  Result<Value> applied = Error::Internal("not tried");
  EXPECT_TRUE(Eventually(
      [&] {
        applied = Client().Apply(widget, {});
        return applied.ok();
      },
      30s))
      << applied.error().message();
  Result<KindInfo> info = Client().LookupKind("example.com/v1", "Widget");
  ASSERT_TRUE(info.ok()) << info.error().message();
  EXPECT_EQ(info->resource, "widgets");
  EXPECT_TRUE(info->namespaced);
  Result<std::optional<Value>> got = Client().Get({"example.com", "Widget", kNs, "w1"});
  ASSERT_TRUE(got.ok()) << got.error().message();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->At({"spec", "size"})->as_int(), 3);
}

TEST_F(KubeClientTest, DiscoveryKnowsClusterScopedKindsAndSkipsSubresources) {
  Result<KindInfo> ns = Client().LookupKind("v1", "Namespace");
  ASSERT_TRUE(ns.ok()) << ns.error().message();
  EXPECT_FALSE(ns->namespaced);
  EXPECT_EQ(ns->resource, "namespaces");
  Result<KindInfo> deployment = Client().LookupKind("apps/v1", "Deployment");
  ASSERT_TRUE(deployment.ok()) << deployment.error().message();
  EXPECT_EQ(deployment->resource, "deployments");  // not deployments/scale
  EXPECT_EQ(deployment->group, "apps");
}

TEST_F(KubeClientTest, WatchDeliversCreateModifyDeleteInOrder) {
  Result<ListResult> list = Client().ListWithVersion({"v1", "ConfigMap", kNs, "", ""});
  ASSERT_TRUE(list.ok()) << list.error().message();
  std::mutex mu;
  std::vector<std::pair<WatchEvent::Type, std::string>> events;
  std::stop_source stop;
  Result<WatchEnd> end = Error::Internal("not ended");
  std::thread watcher([&] {
    end = Client().Watch(
        {"v1", "ConfigMap", kNs, "", "metadata.name=watched"}, list->resource_version,
        [&](const WatchEvent& event) {
          std::lock_guard lock(mu);
          events.emplace_back(event.type, std::string(event.object.StringAt({"data", "key"})));
          EXPECT_EQ(event.object.StringAt({"kind"}), "ConfigMap");
          return true;
        },
        stop.get_token());
  });
  ASSERT_TRUE(Client().Apply(ConfigMap("watched", "one"), {}).ok());
  ASSERT_TRUE(Client().Apply(ConfigMap("watched", "two"), {}).ok());
  ASSERT_TRUE(Client().Delete(ConfigMapKey("watched"), {}).ok());
  EXPECT_TRUE(Eventually([&] {
    std::lock_guard lock(mu);
    return events.size() >= 3;
  }));
  auto stopped_at = std::chrono::steady_clock::now();
  stop.request_stop();
  watcher.join();
  EXPECT_LT(std::chrono::steady_clock::now() - stopped_at, 1s);  // stops promptly
  ASSERT_TRUE(end.ok()) << end.error().message();
  EXPECT_EQ(end->reason, WatchEnd::Reason::kStopped);
  using T = WatchEvent::Type;
  std::vector<std::pair<WatchEvent::Type, std::string>> expected = {
      {T::kAdded, "one"}, {T::kModified, "two"}, {T::kDeleted, "two"}};
  EXPECT_EQ(events, expected);
}

// A 410 cannot be provoked on demand here (the API server's watch cache grows to hold
// every event of a short test, and etcd compacts every 5 minutes); the unit tests cover an
// ERROR 410 event and the informer's relist.
TEST_F(KubeClientTest, WatchWithoutAVersionStartsWithTheCurrentObjectsAndStopsWhenAsked) {
  ASSERT_TRUE(Client().Apply(ConfigMap("present", "here"), {}).ok());
  std::vector<std::string> names;
  Result<WatchEnd> end = Client().Watch(
      {"v1", "ConfigMap", kNs, "", "metadata.name=present"}, "", [&](const WatchEvent& event) {
        EXPECT_EQ(event.type, WatchEvent::Type::kAdded);
        names.emplace_back(event.object.StringAt({"metadata", "name"}));
        return false;
      });
  ASSERT_TRUE(end.ok()) << end.error().message();
  EXPECT_EQ(end->reason, WatchEnd::Reason::kStopped);
  EXPECT_EQ(names, std::vector<std::string>{"present"});
  EXPECT_NE(end->resource_version, "");
}

TEST_F(KubeClientTest, AnInformerListsThenFollowsChanges) {
  ASSERT_TRUE(Client().Apply(ConfigMap("informed-1", "a", "{informed: \"yes\"}"), {}).ok());
  std::mutex mu;
  std::vector<std::pair<WatchEvent::Type, std::string>> events;
  Informer informer(
      Client(), {"v1", "ConfigMap", kNs, "informed=yes", ""}, [&](const WatchEvent& event) {
        std::lock_guard lock(mu);
        events.emplace_back(event.type, std::string(event.object.StringAt({"metadata", "name"})));
      });
  ASSERT_TRUE(informer.WaitForSync(5s)) << informer.last_error();
  EXPECT_EQ(informer.Snapshot().size(), 1u);

  ASSERT_TRUE(Client().Apply(ConfigMap("informed-2", "b", "{informed: \"yes\"}"), {}).ok());
  ASSERT_TRUE(Client().Delete(ConfigMapKey("informed-1"), {}).ok());
  EXPECT_TRUE(Eventually([&] {
    std::lock_guard lock(mu);
    return events.size() >= 3;
  }));
  informer.Stop();
  using T = WatchEvent::Type;
  std::vector<std::pair<WatchEvent::Type, std::string>> expected = {
      {T::kAdded, "informed-1"}, {T::kAdded, "informed-2"}, {T::kDeleted, "informed-1"}};
  EXPECT_EQ(events, expected);
  ASSERT_EQ(informer.Snapshot().size(), 1u);
  EXPECT_EQ(NameOf(informer.Snapshot()[0]), "informed-2");
  EXPECT_TRUE(informer.Get(ConfigMapKey("informed-2")).has_value());
  EXPECT_EQ(informer.list_count(), 1);
}

TEST_F(KubeClientTest, LiveCacheSeesALabelledObjectAppearAndDisappearWithinASecond) {
  std::mutex mu;
  std::vector<std::string> changed_apps;
  LiveCache cache(Client(), [&](const std::string& app) {
    std::lock_guard lock(mu);
    changed_apps.push_back(app);
  });
  ASSERT_TRUE(cache.EnsureKind("v1", "ConfigMap").ok());
  ASSERT_TRUE(cache.EnsureKind("v1", "ConfigMap").ok());  // once is enough
  Status unknown = cache.EnsureKind("example.com/v9", "Nothing");
  EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(cache.WaitForSync(5s));
  EXPECT_TRUE(cache.Snapshot("shop").empty());

  // A kind added at run time starts its own watch.
  ASSERT_TRUE(cache.EnsureKind("apps/v1", "Deployment").ok());
  EXPECT_EQ(cache.Kinds(), (std::vector<std::string>{"/ConfigMap", "apps/Deployment"}));

  auto appeared_from = std::chrono::steady_clock::now();
  ASSERT_TRUE(
      Client().Apply(ConfigMap("shop-config", "x", "{app.kubernetes.io/instance: shop}"), {}).ok());
  ASSERT_TRUE(Client().Apply(ConfigMap("unlabelled", "x"), {}).ok());
  EXPECT_TRUE(Eventually([&] { return cache.Snapshot("shop").size() == 1; }, 1s));
  EXPECT_LT(std::chrono::steady_clock::now() - appeared_from, 1s);
  EXPECT_EQ(NameOf(cache.Snapshot("shop")[0]), "shop-config");
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(changed_apps, std::vector<std::string>{"shop"});
  }

  auto gone_from = std::chrono::steady_clock::now();
  ASSERT_TRUE(Client().Delete(ConfigMapKey("shop-config"), {}).ok());
  EXPECT_TRUE(Eventually([&] { return cache.Snapshot("shop").empty(); }, 1s));
  EXPECT_LT(std::chrono::steady_clock::now() - gone_from, 1s);
  std::lock_guard lock(mu);
  EXPECT_EQ(changed_apps, (std::vector<std::string>{"shop", "shop"}));
}

// scripts/kube-env.sh also writes a kubeconfig that verifies the server's certificate
// against its CA (with a token), and one that logs in with a client certificate.
TEST_F(KubeClientTest, CertificateAuthorityAndClientCertificateKubeconfigsWork) {
  for (const char* name : {"kubeconfig-ca", "kubeconfig-cert"}) {
    SCOPED_TRACE(name);
    Result<KubeConfig> config = LoadKubeConfig(dir_->path() / name);
    ASSERT_TRUE(config.ok()) << config.error().message();
    EXPECT_FALSE(config->insecure_skip_tls_verify);
    EXPECT_FALSE(config->ca_pem.empty());
    Result<std::unique_ptr<KubeClient>> client = KubeClient::Create(*config);
    ASSERT_TRUE(client.ok()) << client.error().message();
    Result<std::optional<Value>> ns = (*client)->Get({"", "Namespace", "", kNs});
    ASSERT_TRUE(ns.ok()) << ns.error().message();
    EXPECT_TRUE(ns->has_value());
  }
}

TEST_F(KubeClientTest, TlsServerNameIsWhatTheCertificateIsCheckedAgainst) {
  Result<KubeConfig> config = LoadKubeConfig(dir_->path() / "kubeconfig-ca");
  ASSERT_TRUE(config.ok()) << config.error().message();
  KubeClientOptions options;
  options.transport.retry.max_attempts = 1;
  config->tls_server_name = "localhost";  // in the certificate
  Result<std::unique_ptr<KubeClient>> good = KubeClient::Create(*config, options);
  ASSERT_TRUE(good.ok());
  Result<std::optional<Value>> ns = (*good)->Get({"", "Namespace", "", kNs});
  ASSERT_TRUE(ns.ok()) << ns.error().message();

  config->tls_server_name = "not-in-the-certificate.example";
  Result<std::unique_ptr<KubeClient>> bad = KubeClient::Create(*config, options);
  ASSERT_TRUE(bad.ok());
  Result<std::optional<Value>> refused = (*bad)->Get({"", "Namespace", "", kNs});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kUnavailable) << refused.error().message();
  EXPECT_EQ(refused.error().message().find(config->token), std::string::npos);
}

TEST_F(KubeClientTest, AResponseOverTheSizeBoundIsRefused) {
  KubeClientOptions options;
  options.transport.max_response_bytes = 2048;  // discovery of v1 alone is larger
  Result<std::unique_ptr<KubeClient>> client = KubeClient::Create(*config_, options);
  ASSERT_TRUE(client.ok());
  Result<std::vector<Value>> list = (*client)->List({"v1", "ConfigMap", kNs, "", ""});
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.error().code(), ErrorCode::kInvalid) << list.error().message();
  EXPECT_NE(list.error().message().find("larger than 2048 bytes"), std::string::npos)
      << list.error().message();
}

TEST_F(KubeClientTest, AWrongTokenIsUnauthorizedAndNeverQuoted) {
  KubeConfig config = *config_;
  config.token = "wrong-token-0123456789";
  Result<std::unique_ptr<KubeClient>> client = KubeClient::Create(config);
  ASSERT_TRUE(client.ok());
  Result<std::optional<Value>> got = (*client)->Get(ConfigMapKey("x"), "v1");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code(), ErrorCode::kUnavailable) << got.error().message();
  EXPECT_NE(got.error().message().find("unauthorized"), std::string::npos) << got.error().message();
  EXPECT_EQ(got.error().message().find("wrong-token"), std::string::npos);
}

}  // namespace
}  // namespace capstan::target::kube
