#include "target/local/proxy/internal/http_match.h"

#include <gtest/gtest.h>

namespace capstan::target::local::proxy::internal {
namespace {

HttpRoute Route(std::string host, std::string path, PathType type, std::string name) {
  HttpRoute route;
  route.host = std::move(host);
  route.path = std::move(path);
  route.path_type = type;
  route.ingress = std::move(name);
  return route;
}

TEST(HttpRouter, HostThenLongestPath) {
  const std::vector<HttpRoute> routes = {
      Route("shop.example.com", "/", PathType::kPrefix, "root"),
      Route("shop.example.com", "/foo", PathType::kPrefix, "foo"),
      Route("shop.example.com", "/foo", PathType::kExact, "foo-exact"),
      Route("shop.example.com", "/foo/bar", PathType::kPrefix, "foobar"),
      Route("api.example.com", "/v1", PathType::kPrefix, "api"),
      Route("*.example.com", "/", PathType::kPrefix, "wildcard"),
      Route("", "/", PathType::kPrefix, "any"),
  };
  HttpRouter router(routes);
  struct Case {
    std::string host, path, want;  // want "" = no route
  };
  const std::vector<Case> cases = {
      {"shop.example.com", "/", "root"},
      {"shop.example.com", "/foo", "foo-exact"},
      {"shop.example.com", "/foo/", "foo"},
      {"shop.example.com", "/foo/baz", "foo"},
      {"shop.example.com", "/foobar", "root"},
      {"shop.example.com", "/foo/bar/x", "foobar"},
      {"api.example.com", "/v1/users", "api"},
      {"api.example.com", "/v2", ""},  // a known host does not fall back to the catch-all
      {"blog.example.com", "/x", "wildcard"},
      {"a.b.example.com", "/x", "any"},  // a wildcard covers one label only
      {"elsewhere.org", "/x", "any"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.host + c.path);
    int index = router.Match(c.host, c.path);
    EXPECT_EQ(index < 0 ? "" : routes[index].ingress, c.want);
  }
}

TEST(HttpRouter, NoCatchAllMeansNoRoute) {
  const std::vector<HttpRoute> routes = {Route("a", "/", PathType::kPrefix, "a")};
  EXPECT_EQ(HttpRouter(routes).Match("b", "/"), -1);
}

TEST(NormalizeHost, StripsPortAndLowers) {
  EXPECT_EQ(NormalizeHost("Shop.Example.com:8000"), "shop.example.com");
  EXPECT_EQ(NormalizeHost("shop"), "shop");
  EXPECT_EQ(NormalizeHost("[::1]:80"), "[::1]");
}

TEST(CookieValue, FindsNamedCookie) {
  EXPECT_EQ(CookieValue("a=1; beta=always; c=3", "beta"), "always");
  EXPECT_EQ(CookieValue("beta=never", "beta"), "never");
  EXPECT_EQ(CookieValue("abeta=always", "beta"), std::nullopt);
  EXPECT_EQ(CookieValue("", "beta"), std::nullopt);
}

TEST(ChooseCanary, PrecedenceHeaderCookieWeight) {
  CanaryPolicy header_only;
  header_only.header = "X-Canary";
  CanaryPolicy valued = header_only;
  valued.header_value = "me";
  valued.weight = 50;
  CanaryPolicy all = header_only;
  all.cookie = "beta";
  all.weight = 10;
  struct Case {
    std::string name;
    const CanaryPolicy* policy;
    std::optional<std::string_view> header, cookie;
    uint32_t draw;
    bool want;
  };
  const std::vector<Case> cases = {
      {"header always", &header_only, "always", std::nullopt, 99, true},
      {"header never", &header_only, "never", std::nullopt, 0, false},
      {"other header value falls through to weight 0", &header_only, "yes", std::nullopt, 0, false},
      {"no header, weight 0", &header_only, std::nullopt, std::nullopt, 0, false},
      {"header equal to the value", &valued, "me", std::nullopt, 99, true},
      {"header value set: always is just another value", &valued, "always", std::nullopt, 99,
       false},
      {"header value mismatch falls through to weight (hit)", &valued, "you", std::nullopt, 49,
       true},
      {"header value mismatch falls through to weight (miss)", &valued, "you", std::nullopt, 50,
       false},
      {"header beats cookie", &all, "never", "always", 0, false},
      {"cookie always", &all, std::nullopt, "always", 99, true},
      {"cookie never beats weight", &all, std::nullopt, "never", 0, false},
      {"cookie other value falls to weight", &all, "x", "x", 9, true},
      {"weight boundary", &all, std::nullopt, std::nullopt, 10, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(ChooseCanary(*c.policy, c.header, c.cookie, c.draw), c.want);
  }
}

}  // namespace
}  // namespace capstan::target::local::proxy::internal
