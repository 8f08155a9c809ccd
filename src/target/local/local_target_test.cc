#include "target/local/local_target.h"

#include <gtest/gtest.h>

#include "core/yaml.h"
#include "store/internal/testing.h"
#include "store/store.h"

namespace capstan::target::local {
namespace {

Value Yaml(std::string_view text) { return *ParseYaml(text, "test"); }

class LocalTargetTest : public testing::Test {
 protected:
  void SetUp() override { Open(); }
  void Open() {
    target_.reset();
    objects_.reset();
    store_.reset();
    store_ = std::move(store::Store::Open(tmp_.path() / "capstan.db")).value();
    objects_ = std::move(ObjectStore::Open(store_.get())).value();
    target_ = std::make_unique<LocalTarget>(*objects_);
  }
  Value Apply(std::string_view yaml) {
    auto applied = target_->Apply(Yaml(yaml), {});
    EXPECT_TRUE(applied.ok()) << applied.error().message();
    return applied.ok() ? *applied : Value();
  }

  store::testing::TempDir tmp_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<ObjectStore> objects_;
  std::unique_ptr<LocalTarget> target_;
};

constexpr char kDeployment[] = R"(
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec: {replicas: 2, template: {spec: {containers: [{name: web, image: demo:v1}]}}}
)";

TEST_F(LocalTargetTest, ApplyKeepsServerMetadataAndCountsGenerationsAsAnApiServer) {
  Value first = Apply(kDeployment);
  EXPECT_EQ(first.StringAt({"metadata", "namespace"}), "default");
  EXPECT_FALSE(first.StringAt({"metadata", "uid"}).empty());
  EXPECT_EQ(first.At({"metadata", "generation"})->as_int(), 1);
  ASSERT_TRUE(objects_->UpdateStatus(KeyOf(first), Yaml("{observedGeneration: 1}")).ok());

  Value same = Apply(kDeployment);
  EXPECT_EQ(same.StringAt({"metadata", "resourceVersion"}),
            objects_->Get(KeyOf(first))->StringAt({"metadata", "resourceVersion"}))
      << "an apply that changes nothing writes nothing";

  std::string relabelled(kDeployment);
  relabelled.replace(relabelled.find("{app: web}"), 10, "{app: web, team: a}");
  Value labels_only = Apply(relabelled);
  EXPECT_EQ(labels_only.At({"metadata", "generation"})->as_int(), 1) << "metadata is not spec";
  EXPECT_EQ(labels_only.StringAt({"metadata", "uid"}), first.StringAt({"metadata", "uid"}));
  EXPECT_EQ(labels_only.At({"status", "observedGeneration"})->as_int(), 1) << "status is kept";

  std::string scaled(relabelled);
  scaled.replace(scaled.find("replicas: 2"), 11, "replicas: 3");
  EXPECT_EQ(Apply(scaled).At({"metadata", "generation"})->as_int(), 2);
}

TEST_F(LocalTargetTest, ObjectsSurviveARestartFromTheStore) {
  Apply(kDeployment);
  Apply("{apiVersion: v1, kind: Secret, metadata: {name: db}, stringData: {password: hunter2}}");
  Open();
  auto secret = target_->Get({"", "Secret", "default", "db"}, "");
  ASSERT_TRUE(secret.ok() && secret->has_value());
  EXPECT_EQ((*secret)->StringAt({"data", "password"}), "aHVudGVyMg==")
      << "stringData is folded into data, as the API server does";
  EXPECT_EQ((*secret)->Find("stringData"), nullptr);
  auto list = target_->List({"apps/v1", "Deployment", "", "app=web", ""});
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 1u);
}

TEST_F(LocalTargetTest, RefusesWhatItDoesNotRunAndMissingNamespaces) {
  auto role = target_->Apply(
      Yaml("{apiVersion: rbac.authorization.k8s.io/v1, kind: Role, metadata: {name: r}}"), {});
  ASSERT_FALSE(role.ok());
  EXPECT_EQ(role.error().code(), ErrorCode::kInvalid);
  EXPECT_NE(role.error().message().find("the local target does not run "
                                        "rbac.authorization.k8s.io/v1 Role; it runs v1/Namespace,"),
            std::string::npos)
      << role.error().message();

  auto elsewhere = target_->Apply(
      Yaml("{apiVersion: v1, kind: ConfigMap, metadata: {name: c, namespace: demo}}"), {});
  ASSERT_FALSE(elsewhere.ok());
  EXPECT_EQ(elsewhere.error().message(), "ConfigMap demo/c: namespaces \"demo\" not found");
  Apply("{apiVersion: v1, kind: Namespace, metadata: {name: demo}}");
  Apply("{apiVersion: v1, kind: ConfigMap, metadata: {name: c, namespace: demo}}");
}

// An object owned (ownerReferences[].uid) by `owner`.
Value OwnedBy(Value object, const Value& owner) {
  Value reference = Value::MakeObject();
  reference.Set("uid", std::string(owner.StringAt({"metadata", "uid"})));
  reference.Set("controller", true);
  object["metadata"].Set("ownerReferences", Value::Array{reference});
  return object;
}

TEST_F(LocalTargetTest, DeleteCascadesToDependentsAndPodsTerminateGracefully) {
  Value deployment = Apply(kDeployment);
  auto rs = target_->Apply(
      OwnedBy(Yaml("{apiVersion: apps/v1, kind: ReplicaSet, metadata: {name: web-1}}"), deployment),
      {});
  ASSERT_TRUE(rs.ok()) << rs.error().message();
  auto pod = target_->Apply(
      OwnedBy(Yaml("{apiVersion: v1, kind: Pod, metadata: {name: web-1-abcde}}"), *rs), {});
  ASSERT_TRUE(pod.ok()) << pod.error().message();
  Value unrelated = Apply("{apiVersion: v1, kind: Pod, metadata: {name: other}}");

  ASSERT_TRUE(target_->Delete(KeyOf(deployment), {}).ok());
  EXPECT_FALSE(objects_->Get(KeyOf(deployment)).has_value());
  EXPECT_FALSE(objects_->Get(KeyOf(*rs)).has_value());
  std::optional<Value> terminating = objects_->Get(KeyOf(*pod));
  ASSERT_TRUE(terminating.has_value()) << "a pod stays until the kubelet stopped it";
  EXPECT_NE(terminating->At({"metadata", "deletionTimestamp"}), nullptr);
  EXPECT_EQ(objects_->Get(KeyOf(unrelated))->At({"metadata", "deletionTimestamp"}), nullptr);
  EXPECT_EQ(target_->Apply(*pod, {}).error().code(), ErrorCode::kConflict)
      << "a terminating object cannot be applied again";
}

}  // namespace
}  // namespace capstan::target::local
