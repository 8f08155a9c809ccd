#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/yaml.h"
#include "target/local/pod/probe.h"

namespace capstan::target::local {
namespace {

Value Yaml(std::string_view text) {
  auto value = ParseYaml(text, "test");
  EXPECT_TRUE(value.ok()) << (value.ok() ? "" : value.error().message());
  return value.ok() ? *value : Value();
}

const char kContainer[] =
    "{name: web, image: web:1, ports: [{name: http, containerPort: 8080}, {name: admin, "
    "containerPort: 9000}]}";

TEST(ParseProbe, KubernetesDefaults) {
  Result<ProbeSpec> spec = ParseProbe(Yaml("{httpGet: {port: http}}"), ProbeType::kReadiness,
                                      Yaml(kContainer), "spec.containers[0].readinessProbe");
  ASSERT_TRUE(spec.ok()) << spec.error().message();
  EXPECT_EQ(spec->type, ProbeType::kReadiness);
  EXPECT_EQ(spec->handler, ProbeHandler::kHttpGet);
  EXPECT_EQ(spec->port, 8080);
  EXPECT_EQ(spec->scheme, "HTTP");
  EXPECT_EQ(spec->path, "");
  EXPECT_EQ(spec->host, "");
  EXPECT_EQ(spec->initial_delay_seconds, 0);
  EXPECT_EQ(spec->period_seconds, 10);
  EXPECT_EQ(spec->timeout_seconds, 1);
  EXPECT_EQ(spec->success_threshold, 1);
  EXPECT_EQ(spec->failure_threshold, 3);
  EXPECT_EQ(spec->termination_grace_period_seconds, std::nullopt);
}

TEST(ParseProbe, EveryField) {
  Result<ProbeSpec> spec = ParseProbe(
      Yaml("{httpGet: {path: /healthz, port: admin, host: 127.0.0.1, scheme: HTTPS, "
           "httpHeaders: [{name: X-Check, value: deep}]}, initialDelaySeconds: 3, periodSeconds: "
           "7, timeoutSeconds: 2, failureThreshold: 4, terminationGracePeriodSeconds: 5}"),
      ProbeType::kLiveness, Yaml(kContainer), "p");
  ASSERT_TRUE(spec.ok()) << spec.error().message();
  EXPECT_EQ(spec->port, 9000);
  EXPECT_EQ(spec->path, "/healthz");
  EXPECT_EQ(spec->host, "127.0.0.1");
  EXPECT_EQ(spec->scheme, "HTTPS");
  ASSERT_EQ(spec->http_headers.size(), 1u);
  EXPECT_EQ(spec->http_headers[0].name, "X-Check");
  EXPECT_EQ(spec->initial_delay_seconds, 3);
  EXPECT_EQ(spec->period_seconds, 7);
  EXPECT_EQ(spec->timeout_seconds, 2);
  EXPECT_EQ(spec->failure_threshold, 4);
  EXPECT_EQ(spec->termination_grace_period_seconds, 5);

  Result<ProbeSpec> tcp = ParseProbe(Yaml("{tcpSocket: {port: 5432}, periodSeconds: 0}"),
                                     ProbeType::kStartup, Yaml(kContainer), "p");
  ASSERT_TRUE(tcp.ok());
  EXPECT_EQ(tcp->handler, ProbeHandler::kTcpSocket);
  EXPECT_EQ(tcp->port, 5432);
  EXPECT_EQ(tcp->period_seconds, 10);  // 0 is the default, as the API server fills it in
}

TEST(ParseProbe, Refusals) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{}", "p: must specify a handler type (httpGet, tcpSocket or exec)"},
      {"{exec: {command: [/bin/true]}, tcpSocket: {port: 1}}",
       "p: may not specify more than 1 handler type"},
      {"{exec: {}}", "p.exec.command: required"},
      {"{tcpSocket: {port: 70000}}",
       "p.tcpSocket.port: 70000 must be between 1 and 65535, "
       "inclusive"},
      {"{tcpSocket: {}}", "p.tcpSocket.port: required"},
      {"{httpGet: {port: 80, scheme: FTP}}",
       "p.httpGet.scheme: Unsupported value: \"FTP\": supported values: \"HTTP\", \"HTTPS\""},
      {"{httpGet: {port: 80}, periodSeconds: -1}",
       "p.periodSeconds: -1 must be greater than or equal to 0"},
      {"{httpGet: {port: 80}, terminationGracePeriodSeconds: 5}",
       "p.terminationGracePeriodSeconds: must not be set for readinessProbes"},
      {"{httpGet: {port: 80, httpHeaders: [{name: 'Bad Header', value: x}]}}",
       "p.httpGet.httpHeaders[0].name: \"Bad Header\" is not a valid HTTP header"},
      {"{exec: {command: [/bin/true]}, timeout: 3}",
       "p.timeout: not supported by the local target (a probe may have httpGet, tcpSocket or "
       "exec, initialDelaySeconds, periodSeconds, timeoutSeconds, successThreshold, "
       "failureThreshold, terminationGracePeriodSeconds)"},
  };
  for (const auto& [yaml, message] : cases) {
    SCOPED_TRACE(yaml);
    Result<ProbeSpec> spec = ParseProbe(Yaml(yaml), ProbeType::kReadiness, Yaml(kContainer), "p");
    ASSERT_FALSE(spec.ok());
    EXPECT_EQ(spec.error().code(), ErrorCode::kInvalid);
    EXPECT_EQ(spec.error().message(), message);
  }
}

}  // namespace
}  // namespace capstan::target::local
