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
