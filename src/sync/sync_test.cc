// RunSync itself is tested against a real API server in tests/integration/sync_test.cc.
#include "sync/sync.h"

#include <gtest/gtest.h>

#include "core/yaml.h"

namespace capstan::sync {
namespace {

TEST(StampOwnership, AddsLabelAndTrackingIdKeepingTheRest) {
  auto object = ParseYaml(R"(
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: prod
  labels: {tier: front}
  annotations: {note: kept}
)",
                          "test");
  ASSERT_TRUE(object.ok());
  Value stamped = StampOwnership(*object, "shop");
  EXPECT_EQ(stamped.StringAt({"metadata", "labels", "tier"}), "front");
  EXPECT_EQ(stamped.StringAt({"metadata", "labels", target::kAppLabel}), "shop");
  EXPECT_EQ(stamped.StringAt({"metadata", "annotations", "note"}), "kept");
  EXPECT_EQ(stamped.StringAt({"metadata", "annotations", target::kTrackingAnnotation}),
            "shop:apps/Deployment:prod/web");

  auto bare = ParseYaml("{apiVersion: v1, kind: Namespace, metadata: {name: prod}}", "test");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(StampOwnership(*bare, "shop")
                .StringAt({"metadata", "annotations", target::kTrackingAnnotation}),
            "shop:/Namespace:/prod");
}

TEST(Names, AsArgoCD) {
  EXPECT_EQ(OperationPhaseName(OperationPhase::kRunning), "Running");
  EXPECT_EQ(OperationPhaseName(OperationPhase::kTerminating), "Terminating");
  EXPECT_EQ(OperationPhaseName(OperationPhase::kSucceeded), "Succeeded");
  EXPECT_EQ(ResultCodeName(ResultCode::kPruneSkipped), "PruneSkipped");
  EXPECT_EQ(ResultCodeName(ResultCode::kSyncFailed), "SyncFailed");
}

}  // namespace
}  // namespace capstan::sync

namespace capstan::sync {
namespace {

TEST(WithListKeyDefaults, FillsTcpIntoServiceAndContainerPortsThatLeaveItOut) {
  auto service = ParseYaml(
      "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n"
      "spec:\n  ports:\n  - port: 80\n  - port: 53\n    protocol: UDP\n",
      "service.yaml");
  ASSERT_TRUE(service.ok());
  Value filled = WithListKeyDefaults(*service);
  EXPECT_EQ(filled.At({"spec", "ports"})->as_array()[0].StringAt({"protocol"}), "TCP");
  EXPECT_EQ(filled.At({"spec", "ports"})->as_array()[1].StringAt({"protocol"}), "UDP");

  auto deployment = ParseYaml(
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n"
      "spec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: x:1\n"
      "        ports:\n        - containerPort: 8080\n",
      "deployment.yaml");
  ASSERT_TRUE(deployment.ok());
  Value pods = WithListKeyDefaults(*deployment);
  const Value* port = pods.At({"spec", "template", "spec", "containers"});
  ASSERT_NE(port, nullptr);
  EXPECT_EQ(port->as_array()[0].At({"ports"})->as_array()[0].StringAt({"protocol"}), "TCP");

  auto config = ParseYaml("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n", "c.yaml");
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(WithListKeyDefaults(*config), *config);
}

}  // namespace
}  // namespace capstan::sync
