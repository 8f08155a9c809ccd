// Compare: the sync status and health an Application shows for desired vs live objects.
#include "controller/compare.h"

#include <gtest/gtest.h>

#include "core/fs.h"
#include "core/yaml.h"

namespace capstan::controller {
namespace {

std::vector<Value> ReadObjects(const std::string& file) {
  auto text = ReadFileBounded(file, 1 << 20);
  EXPECT_TRUE(text.ok()) << file;
  auto documents = ParseYamlStream(*text, file);
  EXPECT_TRUE(documents.ok()) << documents.error().message();
  std::vector<Value> objects;
  for (YamlDocument& document : *documents) {
    if (!document.value.is_null()) objects.push_back(std::move(document.value));
  }
  return objects;
}

std::vector<Manifest> Desired() {
  std::vector<Manifest> manifests;
  for (Value& object : ReadObjects("testdata/compare/desired.yaml")) {
    manifests.push_back({std::move(object), "desired.yaml"});
  }
  return manifests;
}

Application Shop() {
  Application app;
  app.name = "shop";
  app.destination.namespace_ = "shop";
  return app;
}

const ResourceStatus* Find(const Comparison& comparison, std::string_view name) {
  for (const ResourceStatus& resource : comparison.resources) {
    if (resource.name == name) return &resource;
  }
  return nullptr;
}

TEST(Compare, ADriftedFieldMakesTheObjectAndTheApplicationOutOfSync) {
  auto comparison = Compare(Shop(), Desired(), ReadObjects("testdata/compare/live.yaml"));
  ASSERT_TRUE(comparison.ok()) << comparison.error().message();
  EXPECT_EQ(comparison->sync_status, "OutOfSync");
  ASSERT_NE(Find(*comparison, "settings"), nullptr);
  EXPECT_EQ(Find(*comparison, "settings")->status, "OutOfSync");
  ASSERT_NE(Find(*comparison, "web"), nullptr);
  EXPECT_EQ(Find(*comparison, "web")->status, "Synced") << "server-set fields are not drift";
  ASSERT_TRUE(Find(*comparison, "web")->health);
  EXPECT_EQ(Find(*comparison, "web")->health->status, "Healthy");
}

TEST(Compare, OnlyObjectsCapstanCreatedAreOfferedForPruning) {
  auto comparison = Compare(Shop(), Desired(), ReadObjects("testdata/compare/live.yaml"));
  ASSERT_TRUE(comparison.ok());
  ASSERT_NE(Find(*comparison, "old"), nullptr);
  EXPECT_TRUE(Find(*comparison, "old")->requires_pruning);
  ASSERT_EQ(comparison->prunable.size(), 1u);
  EXPECT_EQ(NameOf(comparison->prunable[0]), "old");
  EXPECT_EQ(Find(*comparison, "copied-by-hand"), nullptr)
      << "an object with the label but no tracking id is not ours";
}

TEST(Compare, AnObjectBeingDeletedIsNotPrunedAgainNorAReasonToSync) {
  std::vector<Value> live = ReadObjects("testdata/compare/live.yaml");
  live[1]["data"].Set("color", "blue");
  live[2]["metadata"].Set("deletionTimestamp", "2026-11-22T03:00:00Z");
  auto comparison = Compare(Shop(), Desired(), live);
  ASSERT_TRUE(comparison.ok());
  ASSERT_NE(Find(*comparison, "old"), nullptr);
  EXPECT_TRUE(Find(*comparison, "old")->requires_pruning);
  EXPECT_TRUE(comparison->prunable.empty());
  EXPECT_EQ(comparison->sync_status, "Synced");
}

TEST(Compare, HooksTakeNoPartInSyncStatusOrHealth) {
  auto comparison = Compare(Shop(), Desired(), ReadObjects("testdata/compare/live.yaml"));
  ASSERT_TRUE(comparison.ok());
  EXPECT_EQ(Find(*comparison, "backup"), nullptr);
}

TEST(Compare, MissingObjectsAreOutOfSyncAndMissing) {
  auto comparison = Compare(Shop(), Desired(), {});
  ASSERT_TRUE(comparison.ok());
  EXPECT_EQ(comparison->sync_status, "OutOfSync");
  EXPECT_EQ(comparison->health.health.status, health::HealthStatus::kMissing);
  ASSERT_NE(Find(*comparison, "web"), nullptr);
  ASSERT_TRUE(Find(*comparison, "web")->health);
  EXPECT_EQ(Find(*comparison, "web")->health->status, "Missing");
}

TEST(Compare, EqualLiveStateIsSynced) {
  std::vector<Value> live = ReadObjects("testdata/compare/live.yaml");
  live[1]["data"].Set("color", "blue");
  live.resize(2);
  auto comparison = Compare(Shop(), Desired(), live);
  ASSERT_TRUE(comparison.ok());
  EXPECT_EQ(comparison->sync_status, "Synced");
  EXPECT_EQ(comparison->health.health.status, health::HealthStatus::kHealthy);
}

TEST(Compare, IgnoreDifferencesHideAField) {
  Application app = Shop();
  diff::IgnoreDifference ignore;
  ignore.kind = "ConfigMap";
  ignore.json_pointers = {"/data/color"};
  app.ignore_differences.push_back(ignore);
  std::vector<Value> live = ReadObjects("testdata/compare/live.yaml");
  live.resize(2);
  auto comparison = Compare(app, Desired(), live);
  ASSERT_TRUE(comparison.ok());
  EXPECT_EQ(comparison->sync_status, "Synced");
}

}  // namespace
}  // namespace capstan::controller
