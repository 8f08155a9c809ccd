#include "target/local/podman/internal/image_ref.h"

#include <gtest/gtest.h>

namespace capstan::target::local::podman_internal {
namespace {

TEST(RegistryHost, FollowsDockersRuleForTheFirstComponent) {
  struct Case {
    const char* image;
    const char* host;
  };
  const Case cases[] = {
      {"nginx", "docker.io"},
      {"nginx:1.25", "docker.io"},
      {"library/nginx", "docker.io"},
      {"docker.io/library/busybox:latest", "docker.io"},
      {"quay.io/prometheus/prometheus", "quay.io"},
      {"localhost/capstan-demo:v1", "localhost"},
      {"localhost:5000/capstan-demo:v1", "localhost:5000"},
      {"127.0.0.1:5000/capstan-demo:v1", "127.0.0.1:5000"},
      {"[::1]:5000/capstan-demo@sha256:abc", "[::1]:5000"},
      {"registry.example.com:443/team/app", "registry.example.com:443"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.image);
    EXPECT_EQ(RegistryHost(c.image), c.host);
  }
}

TEST(IsLoopbackRegistry, OnlyLoopbackAddressesAndLocalhost) {
  for (const char* host : {"localhost", "LOCALHOST:5000", "127.0.0.1", "127.0.0.1:5000",
                           "127.1.2.3:80", "[::1]", "[::1]:5000"}) {
    SCOPED_TRACE(host);
    EXPECT_TRUE(IsLoopbackRegistry(host));
  }
  for (const char* host : {"docker.io", "quay.io", "10.88.0.1:5000", "localhost.example.com",
                           "128.0.0.1", "[::2]:5000", "0.0.0.0:5000"}) {
    SCOPED_TRACE(host);
    EXPECT_FALSE(IsLoopbackRegistry(host));
  }
}

TEST(HasPort, ForNamesAndAddresses) {
  EXPECT_TRUE(HasPort("localhost:5000"));
  EXPECT_TRUE(HasPort("[::1]:5000"));
  EXPECT_FALSE(HasPort("localhost"));
  EXPECT_FALSE(HasPort("[::1]"));
}

}  // namespace
}  // namespace capstan::target::local::podman_internal
