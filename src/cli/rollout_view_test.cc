// `capstan rollout get` and `list` as a person reads them: status, step and weights, one
// line per revision with its role and image, and each analysis measurement's value.
#include "cli/rollout_view.h"

#include <gtest/gtest.h>

#include "core/json.h"

namespace capstan::cli {
namespace {

Value Json(std::string_view text) { return *ParseJson(text, "test"); }

constexpr char kView[] = R"json({
  "application": "demo", "destination": "local",
  "summary": {
    "name": "web", "namespace": "shop", "strategy": "Canary", "phase": "Paused",
    "message": "CanaryPauseStep", "step": 1, "steps": 4, "setWeight": 20, "actualWeight": 20,
    "replicas": {"desired": 4, "current": 5, "updated": 1, "ready": 5, "available": 5},
    "revisions": [
      {"revision": 2, "podTemplateHash": "6b8f7d9c5", "role": "canary", "appVersion": "2.0.0",
       "images": ["demo:v2"], "replicas": 1, "ready": 1, "available": 1},
      {"revision": 1, "podTemplateHash": "5d4c3b2a1", "role": "stable", "appVersion": "",
       "images": ["demo:v1"], "replicas": 4, "ready": 4, "available": 4}],
    "analysisRuns": [
      {"name": "web-6b8f7d9c5-2-1", "phase": "Failed",
       "message": "Metric \"success-rate\" assessed Failed due to failed (2) > failureLimit (1)",
       "metrics": [{"name": "success-rate", "phase": "Failed", "measurements": [
         {"phase": "Successful", "value": "[0.99]"}, {"phase": "Failed", "value": "[0.71]"},
         {"phase": "Failed", "value": "[0.69]"}]}]}]
  }
})json";

TEST(RolloutView, ShowsStepWeightsRevisionsAndMeasurements) {
  std::string text = FormatRolloutView(Json(kView));
  EXPECT_NE(text.find("Name:            web\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Application:     demo (local)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Status:          Paused\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  Step:          1/4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  SetWeight:     20\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  ActualWeight:  20\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Images:          demo:v2 (canary)\n                 demo:v1 (stable)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  Updated:       1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("2         6b8f7d9c5          canary  demo:v2  2.0.0        1         1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("1         5d4c3b2a1          stable  demo:v1  -            4"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("web-6b8f7d9c5-2-1  Failed  success-rate  Successful=[0.99] "
                      "Failed=[0.71] Failed=[0.69]"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("failed (2) > failureLimit (1)"), std::string::npos) << text;
}

TEST(RolloutView, OnlyTheLatestMeasurementsAreListed) {
  Value view = Json(kView);
  Value& measurements = (*view["summary"]["analysisRuns"].as_array()[0].Find("metrics"))
                            .as_array()[0]["measurements"];
  for (int i = 0; i < 10; ++i) {
    measurements.as_array().push_back(Json(R"({"phase": "Successful", "value": "[1]"})"));
  }
  std::string text = FormatRolloutView(view);
  EXPECT_NE(text.find("(7 earlier) Successful=[1]"), std::string::npos) << text;
}

TEST(RolloutView, ListHasOneLinePerRollout) {
  std::string text = FormatRolloutList(Json(R"({"items": [
    {"name": "web", "namespace": "shop", "application": "demo", "strategy": "Canary",
     "phase": "Paused", "step": 1, "steps": 4, "setWeight": 20, "actualWeight": 20,
     "message": "CanaryPauseStep"},
    {"name": "api", "namespace": "shop", "application": "demo", "strategy": "BlueGreen",
     "phase": "Healthy"}]})"));
  EXPECT_NE(text.find("web   shop       demo         Canary     Paused   1/4   20          20"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("api   shop       demo         BlueGreen  Healthy  -     -           -"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace capstan::cli
