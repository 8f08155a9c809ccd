#include "target/local/podman/internal/args.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace capstan::target::local::podman_internal {
namespace {

using Args = std::vector<std::string>;

TEST(CreateContainerArgs, MinimalSpecKeepsTheImagesEntrypointAndRunsInit) {
  ContainerSpec spec;
  spec.name = "web-1";
  spec.image = "localhost/capstan-demo:v1";
  auto args = CreateContainerArgs(spec);
  ASSERT_TRUE(args.ok()) << args.error().message();
  EXPECT_EQ(*args, (Args{"create", "--pull", "never", "--name", "web-1", "--init",
                         "localhost/capstan-demo:v1"}));
}

TEST(CreateContainerArgs, EveryFieldBecomesItsFlag) {
  ContainerSpec spec;
  spec.name = "web-1-app";
  spec.pod = "web-1";
  spec.image = "localhost/capstan-demo:v2";
  spec.command = {"/demo-app", "--version=v2"};
  spec.args = {"--ready-after=1", "-x"};
  spec.env = {{"POD_NAME", "web-1"}, {"GREETING", "a=b c"}};
  spec.working_dir = "/srv";
  spec.mounts = {{"/state/pods/web-1/config", "/etc/config", true},
                 {"/state/pods/web-1/cache", "/cache", false}};
  spec.labels = {{"capstan.dev/managed-by", "abc"}, {"app", "web"}};
  spec.memory_limit_bytes = 64 << 20;
  spec.cpu_limit_millis = 250;
  spec.user = "10001";
  spec.read_only_root_filesystem = true;
  spec.init = false;
  auto args = CreateContainerArgs(spec);
  ASSERT_TRUE(args.ok()) << args.error().message();
  EXPECT_EQ(*args, (Args{"create",
                         "--pull",
                         "never",
                         "--name",
                         "web-1-app",
                         "--pod",
                         "web-1",
                         "--label",
                         "app=web",
                         "--label",
                         "capstan.dev/managed-by=abc",
                         "--env",
                         "POD_NAME=web-1",
                         "--env",
                         "GREETING=a=b c",
                         "--volume",
                         "/state/pods/web-1/config:/etc/config:ro",
                         "--volume",
                         "/state/pods/web-1/cache:/cache:rw",
                         "--memory",
                         "67108864",
                         "--memory-swap",
                         "67108864",
                         "--cpus",
                         "0.250",
                         "--entrypoint",
                         R"(["/demo-app","--version=v2"])",
                         "--workdir",
                         "/srv",
                         "--user",
                         "10001",
                         "--read-only",
                         "localhost/capstan-demo:v2",
                         "--ready-after=1",
                         "-x"}));
}

TEST(CreateContainerArgs, RefusesWhatPodmanCannotExpress) {
  struct Case {
    const char* name;
    void (*change)(ContainerSpec&);
    const char* message;
  };
  const Case cases[] = {
      {"no name", [](ContainerSpec& s) { s.name.clear(); }, "name is empty"},
      {"no image", [](ContainerSpec& s) { s.image.clear(); }, "container c: image is empty"},
      {"relative host path",
       [](ContainerSpec& s) {
         s.mounts = {{"data", "/data", true}};
       },
       "container c: mount host path: \"data\" is not an absolute path"},
      {"colon in a path",
       [](ContainerSpec& s) {
         s.mounts = {{"/a:b", "/data", true}};
       },
       "holding ':' or ','"},
      {"comma in a path",
       [](ContainerSpec& s) {
         s.mounts = {{"/a", "/x,y", true}};
       },
       "container c: mount path"},
      {"empty env name",
       [](ContainerSpec& s) {
         s.env = {{"", "x"}};
       },
       "container c: env: invalid variable name \"\""},
      {"= in env name",
       [](ContainerSpec& s) {
         s.env = {{"A=B", "x"}};
       },
       "\"A=B\""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ContainerSpec spec;
    spec.name = "c";
    spec.image = "localhost/x:1";
    c.change(spec);
    auto args = CreateContainerArgs(spec);
    ASSERT_FALSE(args.ok());
    EXPECT_EQ(args.error().code(), ErrorCode::kInvalid);
    EXPECT_NE(args.error().message().find(c.message), std::string::npos) << args.error().message();
  }
}

TEST(CreatePodArgs, HostnameIsTheKubernetesPodNameWithinSixtyThreeCharacters) {
  std::string long_name(70, 'a');
  auto args = CreatePodArgs("capstan-payments-staging_" + long_name,
                            {{"io.kubernetes.pod.name", long_name}});
  auto hostname = std::find(args.begin(), args.end(), "--hostname");
  ASSERT_NE(hostname, args.end());
  EXPECT_EQ(*(hostname + 1), std::string(63, 'a'));
  args = CreatePodArgs("capstan-shop_web-1", {{"io.kubernetes.pod.name", "web-1"}});
  EXPECT_EQ(*(std::find(args.begin(), args.end(), "--hostname") + 1), "web-1");
}

TEST(CreatePodArgs, NamesHostnameInfraAndLabels) {
  EXPECT_EQ(CreatePodArgs("web-1", {{"capstan.dev/managed-by", "abc"}}),
            (Args{"pod", "create", "--name", "web-1", "--hostname", "web-1", "--infra-name",
                  "web-1.infra", "--label", "capstan.dev/managed-by=abc"}));
}

TEST(LabelFilters, OneFilterPerLabel) {
  EXPECT_EQ(LabelFilters({{"a", "1"}, {"b", "x=y"}}),
            (Args{"--filter", "label=a=1", "--filter", "label=b=x=y"}));
  EXPECT_TRUE(LabelFilters({}).empty());
}

TEST(CpusFlag, MillicoresAsDecimalCpus) {
  EXPECT_EQ(CpusFlag(500), "0.500");
  EXPECT_EQ(CpusFlag(2000), "2.000");
  EXPECT_EQ(CpusFlag(1), "0.001");
  EXPECT_EQ(CpusFlag(1250), "1.250");
}

}  // namespace
}  // namespace capstan::target::local::podman_internal
