#include "target/local/podman/internal/parse.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/time.h"

namespace capstan::target::local::podman_internal {
namespace {

// Captured from podman 4.3.1 (runc, cgroup v1): a pod p1 with an infra container, c1 (exited
// 137), web-1 (running, --init) and web-2 (created); c4 was killed by the kernel for memory.
std::string Testdata(const std::string& name) {
  std::ifstream file("testdata/" + name);
  std::stringstream text;
  text << file.rdbuf();
  EXPECT_TRUE(file.good()) << "testdata/" << name;
  return text.str();
}

std::chrono::system_clock::time_point Unix(std::time_t seconds) {
  return std::chrono::system_clock::from_time_t(seconds);
}

TEST(ParseContainerList, LeavesOutInfraContainersAndSortsByName) {
  auto containers = ParseContainerList(Testdata("ps.json"));
  ASSERT_TRUE(containers.ok()) << containers.error().message();
  ASSERT_EQ(containers->size(), 3u);
  const ContainerState& exited = (*containers)[0];
  EXPECT_EQ(exited.name, "c1");
  EXPECT_EQ(exited.pod, "p1");
  EXPECT_EQ(exited.image, "localhost/capstan-demo:v1");
  EXPECT_EQ(exited.state, "exited");
  EXPECT_EQ(exited.exit_code, 137);
  EXPECT_EQ(exited.started_at, Unix(1795328201));
  EXPECT_EQ(exited.finished_at, Unix(1795328210));
  EXPECT_EQ(exited.labels.at("capstan.dev/managed-by"), "x");
  EXPECT_FALSE(exited.oom_killed);  // ps does not say; inspect does

  const ContainerState& running = (*containers)[1];
  EXPECT_EQ(running.name, "web-1");
  EXPECT_EQ(running.state, "running");
  EXPECT_EQ(running.labels.at("app"), "web");
  EXPECT_EQ(running.started_at, Unix(1795328578));
  EXPECT_FALSE(running.finished_at.has_value());

  const ContainerState& created = (*containers)[2];
  EXPECT_EQ(created.name, "web-2");
  EXPECT_EQ(created.state, "created");
  EXPECT_FALSE(created.started_at.has_value());
  EXPECT_EQ(created.id.size(), 64u);
}

TEST(ParseContainerList, EmptyAndNull) {
  auto empty = ParseContainerList(Testdata("ps_empty.json"));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  auto null = ParseContainerList("null");
  ASSERT_TRUE(null.ok());
  EXPECT_TRUE(null->empty());
  EXPECT_FALSE(ParseContainerList("{\"not\": \"a list\"}").ok());
  EXPECT_FALSE(ParseContainerList("[{").ok());
}

TEST(ParseContainerInspect, OomKilledExitCodeTimesAndBundle) {
  auto inspected = ParseContainerInspect(Testdata("inspect_oom_killed.json"));
  ASSERT_TRUE(inspected.ok()) << inspected.error().message();
  ASSERT_EQ(inspected->size(), 1u);
  const InspectedContainer& c = inspected->front();
  EXPECT_EQ(c.state.name, "c4");
  EXPECT_EQ(c.state.state, "exited");
  EXPECT_EQ(c.state.exit_code, 137);
  EXPECT_TRUE(c.state.oom_killed);
  EXPECT_EQ(c.state.image, "localhost/capstan-demo:v1");
  EXPECT_EQ(c.state.labels.at("org.opencontainers.image.version"), "v1");
  ASSERT_TRUE(c.state.started_at.has_value());
  ASSERT_TRUE(c.state.finished_at.has_value());
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::microseconds>(*c.state.finished_at -
                                                                  *c.state.started_at)
                .count(),
            363604);  // 06:18:14.201809873 -> 06:18:14.565414586
  EXPECT_EQ(c.pod_id, "405959d6fe79f8985a29653170c12209bdb17d6f6c5e24646d4f4cdb4137a42b");
  EXPECT_EQ(c.static_dir,
            "/tmp/pm/env1/storage/overlay-containers/"
            "31401b26b16c159b326b534d915a440477ce5f9a822d6eec093177c8aa8175dc/userdata");
  EXPECT_EQ(c.ip, "10.88.0.6");  // a pod's containers report the infra container's address
}

TEST(ParseContainerInspect, InfraContainerHasTheAddress) {
  auto inspected = ParseContainerInspect(Testdata("inspect_infra.json"));
  ASSERT_TRUE(inspected.ok()) << inspected.error().message();
  ASSERT_EQ(inspected->size(), 1u);
  EXPECT_EQ(inspected->front().ip, "10.88.0.6");
  EXPECT_EQ(inspected->front().state.state, "running");
  EXPECT_FALSE(inspected->front().state.finished_at.has_value());
}

TEST(ParsePodInspect, ObjectOrOneElementArray) {
  std::string object = Testdata("pod_inspect.json");
  for (const std::string& json : {object, "[" + object + "]"}) {
    auto pod = ParsePodInspect(json);
    ASSERT_TRUE(pod.ok()) << pod.error().message();
    EXPECT_EQ(pod->state.name, "p1");
    EXPECT_EQ(pod->state.id, "405959d6fe79f8985a29653170c12209bdb17d6f6c5e24646d4f4cdb4137a42b");
    EXPECT_EQ(pod->state.labels.at("capstan.dev/managed-by"), "x");
    EXPECT_EQ(pod->infra_id, "801ffcc2aff19e42ccdb35aafcffc2081b40bd57bd557859bf05d35bc9a5be2a");
    EXPECT_EQ(pod->status, "Degraded");
  }
  EXPECT_FALSE(ParsePodInspect("[]").ok());
}

TEST(ParsePodList, NamesLabelsAndInfra) {
  auto pods = ParsePodList(Testdata("pod_ps.json"));
  ASSERT_TRUE(pods.ok()) << pods.error().message();
  ASSERT_EQ(pods->size(), 1u);
  EXPECT_EQ(pods->front().state.name, "p1");
  EXPECT_EQ(pods->front().infra_id,
            "801ffcc2aff19e42ccdb35aafcffc2081b40bd57bd557859bf05d35bc9a5be2a");
  EXPECT_EQ(pods->front().state.labels.size(), 1u);
}

TEST(ParseTimestamp, NanosecondsZeroTimeAndGarbage) {
  auto time = ParseTimestamp("2026-11-22T06:16:41.118160185Z");
  ASSERT_TRUE(time.has_value());
  EXPECT_EQ(FormatRfc3339(*time), "2026-11-22T06:16:41Z");
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::microseconds>(
                *time - *ParseTimestamp("2026-11-22T06:16:41Z"))
                .count(),
            118160);
  EXPECT_EQ(*ParseTimestamp("2026-11-22T06:16:41.5Z") - *ParseTimestamp("2026-11-22T06:16:41Z"),
            std::chrono::milliseconds(500));
  EXPECT_FALSE(ParseTimestamp("0001-01-01T00:00:00Z").has_value());
  EXPECT_FALSE(ParseTimestamp("").has_value());
  EXPECT_FALSE(ParseTimestamp("yesterday").has_value());
}

TEST(NormalizeState, PodmansStatesAsCapstanNamesThem) {
  EXPECT_EQ(NormalizeState("configured"), "created");
  EXPECT_EQ(NormalizeState("initialized"), "created");
  EXPECT_EQ(NormalizeState("created"), "created");
  EXPECT_EQ(NormalizeState("running"), "running");
  EXPECT_EQ(NormalizeState("Running"), "running");
  EXPECT_EQ(NormalizeState("stopped"), "exited");
  EXPECT_EQ(NormalizeState("exited"), "exited");
  EXPECT_EQ(NormalizeState("paused"), "paused");
  EXPECT_EQ(NormalizeState("stopping"), "stopping");
  EXPECT_EQ(NormalizeState("removing"), "removing");
  EXPECT_EQ(NormalizeState("weird"), "unknown");
}

TEST(MergeLogs, InterleavesStreamsByTimeWithoutStamps) {
  std::string out =
      "2026-11-22T06:16:41.1Z start\n"
      "2026-11-22T06:16:41.3Z GET / 200\n";
  std::string err =
      "2026-11-22T06:16:41.2Z warning: slow disk\n"
      "2026-11-22T06:16:41.30000001Z oops\n";
  EXPECT_EQ(MergeLogs(out, err, 1000), "start\nwarning: slow disk\nGET / 200\noops\n");
  EXPECT_EQ(MergeLogs("", "", 1000), "");
}

TEST(MergeLogs, KeepsTheEndCutAtALineStart) {
  std::string out =
      "2026-11-22T06:16:41.1Z first line\n"
      "2026-11-22T06:16:41.2Z second\n"
      "2026-11-22T06:16:41.3Z third\n";
  EXPECT_EQ(MergeLogs(out, "", 13), "third\n");  // "d\nthird\n" has a whole line: drop "d\n"
  EXPECT_EQ(MergeLogs(out, "", 4), "ird\n");     // no line start in reach: the bytes
  EXPECT_EQ(MergeLogs(out, "", 1000), "first line\nsecond\nthird\n");
}

TEST(MergeLogs, LinesWithoutStampFollowTheirNeighbour) {
  EXPECT_EQ(MergeLogs("2026-11-22T06:16:41.1Z a\nno-stamp\n", "2026-11-22T06:16:41.2Z b\n", 100),
            "a\nno-stamp\nb\n");
}

TEST(PodmanError, CodesAndMessages) {
  ProcessResult result;
  result.exit_code = 125;
  result.stderr_data = "Error: no container with name or ID \"web\" found: no such container\n";
  Error missing = PodmanError("stop container \"web\"", result);
  EXPECT_EQ(missing.code(), ErrorCode::kNotFound);
  EXPECT_EQ(missing.message(),
            "stop container \"web\": no container with name or ID \"web\" found: no such "
            "container");

  result.stderr_data =
      "Error: creating container storage: the container name \"web\" is already in use by "
      "abc. You have to remove that container to be able to reuse that name: that name is "
      "already in use\n";
  EXPECT_EQ(PodmanError("create container \"web\"", result).code(), ErrorCode::kConflict);

  result.stderr_data = "Error: localhost/nope:v1: image not known\n";
  EXPECT_EQ(PodmanError("create container \"web\"", result).code(), ErrorCode::kNotFound);

  result.stderr_data = "Error: OCI runtime error: runc: something broke\n";
  EXPECT_EQ(PodmanError("start container \"web\"", result).code(), ErrorCode::kUnavailable);

  result.stderr_data = "";
  EXPECT_EQ(PodmanError("start container \"web\"", result).message(),
            "start container \"web\": podman exited with status 125");
}

}  // namespace
}  // namespace capstan::target::local::podman_internal
