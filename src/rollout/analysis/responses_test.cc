// Reading providers' answers, on responses captured from Prometheus 2.42 and on web
// payloads from Argo Rollouts' documentation.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/json.h"
#include "rollout/analysis/providers.h"

namespace capstan::rollout::analysis {
namespace {

struct PrometheusCase {
  std::string name;
  long status;
  std::string body;
  std::string value;   // measurement.value
  std::string result;  // JSON of `result` (NaN shows as null)
  bool no_data = false;
  std::string error = {};  // start of the error
};

TEST(ParsePrometheusResponse, ShapesAsArgoGivesThemToConditions) {
  const std::vector<PrometheusCase> cases = {
      {"vector of one", 200,
       R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000.123,"0.9523809523809523"]}]}})",
       "[0.9523809523809523]", "[0.9523809523809523]"},
      {"vector of two series", 200,
       R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{"version":"v1"},"value":[1,"1"]},{"metric":{"version":"v2"},"value":[1,"0.5"]}]}})",
       "[1,0.5]", "[1,0.5]"},
      {"empty vector: no data", 200,
       R"({"status":"success","data":{"resultType":"vector","result":[]}})", "[]", "[]", true},
      {"NaN vector: no data", 200,
       R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"NaN"]}]}})",
       "[NaN]", "[null]", true},
      {"NaN next to a number is data", 200,
       R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"NaN"]},{"metric":{},"value":[1,"2"]}]}})",
       "[NaN,2]", "[null,2]"},
      {"infinities", 200,
       R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"+Inf"]},{"metric":{},"value":[1,"-Inf"]}]}})",
       "[+Inf,-Inf]", "[null,null]"},
      {"scalar", 200,
       R"({"status":"success","data":{"resultType":"scalar","result":[1700000000,"42"]}})", "42",
       "42"},
      {"NaN scalar: no data", 200,
       R"({"status":"success","data":{"resultType":"scalar","result":[1700000000,"NaN"]}})", "NaN",
       "null", true},
      {"matrix: every sample", 200,
       R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"],[2,"2"]]},{"metric":{},"values":[[1,"3"]]}]}})",
       "[1,2,3]", "[1,2,3]"},
      {"empty matrix: no data", 200,
       R"({"status":"success","data":{"resultType":"matrix","result":[]}})", "[]", "[]", true},
      {"bad query", 400,
       R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:5: parse error: unexpected end of input"})",
       "", "", false,
       "bad_data: invalid parameter \"query\": 1:5: parse error: unexpected end of input"},
      {"server error without JSON", 503, "Service Unavailable\n", "", "", false,
       "prometheus answered HTTP 503: Service Unavailable"},
      {"not Prometheus", 200, "<html>hello</html>", "", "", false,
       "cannot read the Prometheus response (not its JSON API?): <html>hello</html>"},
      {"string result", 200,
       R"({"status":"success","data":{"resultType":"string","result":[1,"x"]}})", "", "", false,
       "Prometheus metric type not supported"},
  };
  for (const PrometheusCase& c : cases) {
    SCOPED_TRACE(c.name);
    ProviderResult r = ParsePrometheusResponse(c.status, c.body);
    EXPECT_EQ(r.error.substr(0, c.error.size()), c.error) << r.error;
    if (!c.error.empty()) {
      EXPECT_FALSE(r.result.has_value());
      continue;
    }
    EXPECT_EQ(r.value, c.value);
    ASSERT_TRUE(r.result.has_value());
    EXPECT_EQ(EmitJson(*r.result), c.result);
    EXPECT_EQ(r.no_data, c.no_data);
    if (c.no_data) {
      EXPECT_EQ(r.no_data_message.substr(0, 8), "no data:");
    }
  }
}

TEST(ParsePrometheusResponse, WarningsBecomeMetadata) {
  ProviderResult r = ParsePrometheusResponse(
      200,
      R"({"status":"success","warnings":["w1","w2"],"data":{"resultType":"vector","result":[{"metric":{},"value":[1,"1"]}]}})");
  ASSERT_EQ(r.metadata.size(), 1u);
  EXPECT_EQ(r.metadata[0].first, "warnings");
  EXPECT_EQ(r.metadata[0].second, "\"w1\", \"w2\"");
}

TEST(FormatPrometheusFloat, AsGoFormatsSampleValues) {
  EXPECT_EQ(FormatPrometheusFloat(0.95), "0.95");
  EXPECT_EQ(FormatPrometheusFloat(1), "1");
  EXPECT_EQ(FormatPrometheusFloat(-0.5), "-0.5");
  EXPECT_EQ(FormatPrometheusFloat(1e21), "1000000000000000000000");
  EXPECT_EQ(FormatPrometheusFloat(1e-7), "0.0000001");
  EXPECT_EQ(FormatPrometheusFloat(std::nan("")), "NaN");
  EXPECT_EQ(FormatPrometheusFloat(INFINITY), "+Inf");
  EXPECT_EQ(FormatPrometheusFloat(-INFINITY), "-Inf");
}

TEST(JsonPath, KubernetesSubset) {
  auto body = ParseJson(
      R"({"data":{"ok":true,"successPercent":0.95,"items":[{"v":1},{"v":2}],"a key":"x"}})", "t");
  ASSERT_TRUE(body.ok());
  struct Case {
    std::string path;
    std::string want;  // JSON, or "error: ..."
  };
  const std::vector<Case> cases = {
      {"{$.data.ok}", "true"},
      {"{.data.successPercent}", "0.95"},
      {"{$}", EmitJson(*body)},
      {"{.}", EmitJson(*body)},
      {"{$.data.items[1].v}", "2"},
      {"{$.data.items[-1].v}", "2"},
      {"{$.data['a key']}", "\"x\""},
      {" {$.data.ok} ", "true"},
      {"{$.data.missing}", "error: data.missing is not found"},
      {"{$.data.items[5]}",
       "error: data.items[5] is not found: array index out of bounds (length 2)"},
      {"{$.data.ok.deeper}", "error: data.ok.deeper is not found"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.path);
    auto path = JsonPath::Parse(c.path);
    ASSERT_TRUE(path.ok()) << path.error().message();
    auto found = path->Find(*body);
    std::string got = found.ok() ? EmitJson(**found) : "error: " + found.error().message();
    EXPECT_EQ(got, c.want);
  }
  for (std::string bad :
       {"$.data", "{$.items[*].v}", "{..name}", "{$.a[?(@.b)]}", "{}x", "{$.a[1:2]}"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(JsonPath::Parse(bad).ok());
  }
}

TEST(ParseWebResponse, JsonPathPlainTextAndStatus) {
  WebMetric metric;
  metric.json_path = "{$.data}";
  ProviderResult r = ParseWebResponse(metric, 200, R"({"data":{"ok":true,"successPercent":0.95}})");
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.value, R"({"ok":true,"successPercent":0.95})");
  EXPECT_EQ(r.result->StringAt({"missing"}, "-"), "-");
  EXPECT_TRUE(r.result->Find("ok")->as_bool());

  metric.json_path = "{$.data.ok}";
  r = ParseWebResponse(metric, 200, R"({"data":{"ok":true}})");
  EXPECT_EQ(r.value, "true");

  metric.json_path = "";
  r = ParseWebResponse(metric, 200, "I am OK");
  EXPECT_EQ(r.value, "I am OK");
  EXPECT_EQ(*r.result, Value("I am OK"));
  r = ParseWebResponse(metric, 200, "");
  EXPECT_EQ(*r.result, Value(""));

  metric.json_path = "{$.results.ok}";
  r = ParseWebResponse(metric, 200, R"({"results":{}})");
  EXPECT_EQ(r.error, "Could not find JSONPath in body: results.ok is not found");

  r = ParseWebResponse(metric, 503, "down");
  EXPECT_EQ(r.error, "received non 2xx response code: 503");
}

}  // namespace
}  // namespace capstan::rollout::analysis
