// The Pod status the test stand-in for a kubelet reports, case by case.
#include "pod_status.h"

#include <gtest/gtest.h>

#include <string>

#include "core/json.h"

namespace capstan::standin {
namespace {

using std::chrono::seconds;

const Clock::time_point kStart = Clock::from_time_t(1'800'000'000);  // 2027-01-15T08:00:00Z

Value Pod(const std::string& json) {
  Result<Value> pod = ParseJson(json, "test pod");
  EXPECT_TRUE(pod.ok()) << pod.error().message();
  return pod.ok() ? *pod : Value();
}

// A Pod with one container `main` of `image`, `restart_policy` and `annotations` (JSON).
Value SimplePod(const std::string& restart_policy, const std::string& annotations = "{}",
                const std::string& image = "registry.invalid/app:1") {
  return Pod(R"({"metadata":{"name":"p","namespace":"ns","uid":"u1","annotations":)" + annotations +
             R"(},"spec":{"restartPolicy":")" + restart_policy +
             R"(","containers":[{"name":"main","image":")" + image + R"("}]}})");
}

Value StatusAt(const Value& pod, seconds after) {
  return DesiredPodStatus(pod, PodRun{kStart, "127.0.0.9"}, kStart + after, "127.0.0.1");
}

std::string Condition(const Value& status, std::string_view type) {
  for (const Value& condition : status.At({"conditions"})->as_array()) {
    if (condition.StringAt({"type"}) == type) {
      std::string reason(condition.StringAt({"reason"}));
      return std::string(condition.StringAt({"status"})) + (reason.empty() ? "" : " " + reason);
    }
  }
  return "missing";
}

const Value& Main(const Value& status) { return status.At({"containerStatuses"})->as_array()[0]; }

struct Case {
  std::string name;
  Value pod;
  seconds after;
  std::string phase;
  std::string ready;   // the Ready condition: "True", "False PodCompleted"...
  std::string state;   // the container's state: running, waiting, terminated
  std::string detail;  // waiting reason, or terminated exit code and reason
};

TEST(DesiredPodStatus, PhasesReadinessAndContainerStates) {
  const Case cases[] = {
      {"a Deployment's Pod runs and is Ready", SimplePod("Always"), seconds(0), "Running", "True",
       "running", ""},
      {"it keeps running", SimplePod("Always"), seconds(3600), "Running", "True", "running", ""},
      {"a Job's Pod runs for the default second", SimplePod("Never"), seconds(0), "Running", "True",
       "running", ""},
      {"then succeeds", SimplePod("Never"), seconds(1), "Succeeded", "False PodCompleted",
       "terminated", "0 Completed"},
      {"an exit code fails it", SimplePod("Never", R"({"test-kubelet.capstan.dev/exit-code":"3"})"),
       seconds(1), "Failed", "False PodCompleted", "terminated", "3 Error"},
      {"OnFailure ends as Never does", SimplePod("OnFailure"), seconds(1), "Succeeded",
       "False PodCompleted", "terminated", "0 Completed"},
      {"run-seconds delays the end",
       SimplePod("Never", R"({"test-kubelet.capstan.dev/run-seconds":"5"})"), seconds(4), "Running",
       "True", "running", ""},
      {"until it has passed", SimplePod("Never", R"({"test-kubelet.capstan.dev/run-seconds":"5"})"),
       seconds(5), "Succeeded", "False PodCompleted", "terminated", "0 Completed"},
      {"a run-seconds that is not a number is the default",
       SimplePod("Never", R"({"test-kubelet.capstan.dev/run-seconds":"soon"})"), seconds(1),
       "Succeeded", "False PodCompleted", "terminated", "0 Completed"},
      {"an exit code out of range is 0",
       SimplePod("Never", R"({"test-kubelet.capstan.dev/exit-code":"999"})"), seconds(1),
       "Succeeded", "False PodCompleted", "terminated", "0 Completed"},
      {"ready false runs but is not Ready",
       SimplePod("Always", R"({"test-kubelet.capstan.dev/ready":"false"})"), seconds(0), "Running",
       "False ContainersNotReady", "running", ""},
      {"an image that cannot be pulled stays Pending",
       SimplePod("Always", "{}", "test-kubelet.invalid/pull-error"), seconds(60), "Pending",
       "False ContainersNotReady", "waiting", "ImagePullBackOff"},
      {"a Job's Pod that cannot pull never ends",
       SimplePod("Never", "{}", "test-kubelet.invalid/pull-error"), seconds(60), "Pending",
       "False ContainersNotReady", "waiting", "ImagePullBackOff"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Value status = StatusAt(c.pod, c.after);
    EXPECT_EQ(status.StringAt({"phase"}), c.phase);
    EXPECT_EQ(Condition(status, "Ready"), c.ready);
    EXPECT_EQ(Condition(status, "PodScheduled"), "True");
    EXPECT_EQ(status.StringAt({"startTime"}), "2027-01-15T08:00:00Z");
    EXPECT_EQ(status.StringAt({"hostIP"}), "127.0.0.1");
    const Value& main = Main(status);
    ASSERT_NE(main.At({"state", c.state}), nullptr) << EmitJson(main);
    const Value& state = *main.At({"state", c.state});
    if (c.state == "waiting") {
      EXPECT_EQ(state.StringAt({"reason"}), c.detail);
      EXPECT_EQ(status.Find("podIP"), nullptr);
    } else {
      EXPECT_EQ(status.StringAt({"podIP"}), "127.0.0.9");
      EXPECT_EQ(state.StringAt({"startedAt"}), "2027-01-15T08:00:00Z");
    }
    if (c.state == "terminated") {
      EXPECT_EQ(std::to_string(state.At({"exitCode"})->as_int()) + " " +
                    std::string(state.StringAt({"reason"})),
                c.detail);
      EXPECT_FALSE(main.At({"ready"})->as_bool());
    }
    if (c.state == "running") {
      EXPECT_TRUE(main.At({"started"})->as_bool());
      EXPECT_EQ(main.At({"ready"})->as_bool(), c.ready == "True");
    }
  }
}

TEST(DesiredPodStatus, InitContainersHaveCompleted) {
  Value pod = Pod(R"({"metadata":{"name":"p","uid":"u"},"spec":{
      "initContainers":[{"name":"setup","image":"a"}],
      "containers":[{"name":"main","image":"b"}]}})");
  Value status = StatusAt(pod, seconds(0));
  EXPECT_EQ(Condition(status, "Initialized"), "True");
  const Value& init = status.At({"initContainerStatuses"})->as_array()[0];
  EXPECT_EQ(init.At({"state", "terminated", "exitCode"})->as_int(), 0);
  EXPECT_EQ(init.StringAt({"state", "terminated", "reason"}), "Completed");
}

TEST(DesiredPodStatus, TheSameInputsGiveTheSameStatus) {
  // The stand-in writes only when the status changed; a status that drifted by itself
  // would be written on every pass.
  Value pod = SimplePod("Never");
  EXPECT_EQ(StatusAt(pod, seconds(0)), StatusAt(pod, seconds(0)));
  EXPECT_EQ(StatusAt(pod, seconds(2)), StatusAt(pod, seconds(30)));
}

TEST(PodEndsAt, OnlyPodsThatRunToCompletionEnd) {
  PodRun run{kStart, "127.0.0.9"};
  EXPECT_EQ(PodEndsAt(SimplePod("Always"), run), std::nullopt);
  EXPECT_EQ(PodEndsAt(SimplePod("Never"), run), kStart + seconds(1));
  EXPECT_EQ(
      PodEndsAt(SimplePod("OnFailure", R"({"test-kubelet.capstan.dev/run-seconds":"7"})"), run),
      kStart + seconds(7));
  EXPECT_EQ(PodEndsAt(SimplePod("Never", "{}", "test-kubelet.invalid/pull-error"), run),
            std::nullopt);
}

TEST(Covers, ExtraLiveFieldsAndDroppedNullsStillCover) {
  Value want = Pod(R"({"a":1,"b":null,"list":[{"x":"y","z":null}]})");
  EXPECT_TRUE(Covers(Pod(R"({"a":1,"list":[{"x":"y","extra":2}],"more":true})"), want));
  EXPECT_TRUE(Covers(Pod(R"({"a":1,"b":null,"list":[{"x":"y","z":null}]})"), want));
  EXPECT_FALSE(Covers(Pod(R"({"a":2,"list":[{"x":"y"}]})"), want));
  EXPECT_FALSE(Covers(Pod(R"({"a":1,"list":[]})"), want));
  EXPECT_FALSE(Covers(Pod(R"({"a":1,"list":[{"x":"y"},{"x":"y"}]})"), want));
  EXPECT_FALSE(Covers(Pod(R"({"list":[{"x":"y"}]})"), want));
}

TEST(Time, FormatsAndParsesRfc3339Utc) {
  EXPECT_EQ(FormatTime(kStart), "2027-01-15T08:00:00Z");
  Result<Clock::time_point> parsed = ParseTime("2027-01-15T08:00:00Z");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(*parsed, kStart);
  EXPECT_FALSE(ParseTime("2027-01-15 08:00:00").ok());
  EXPECT_FALSE(ParseTime("").ok());
}

}  // namespace
}  // namespace capstan::standin
