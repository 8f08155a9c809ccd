#include "target/kube/retry.h"

#include <gtest/gtest.h>

#include "target/kube/internal/transport.h"

namespace capstan::target::kube {
namespace {

using std::chrono::milliseconds;

TEST(BackoffDelay, DoublesFromTheInitialWaitUpToTheCapWithJitterOnTop) {
  RetryOptions options;  // 200 ms, cap 10 s, jitter 0.2
  struct Case {
    int retry;
    double unit_random;
    milliseconds expected;
  };
  const Case cases[] = {
      {1, 0.0, milliseconds(200)},   {2, 0.0, milliseconds(400)},   {3, 0.0, milliseconds(800)},
      {1, 0.5, milliseconds(220)},   {1, 0.999, milliseconds(239)}, {6, 0.0, milliseconds(6400)},
      {7, 0.0, milliseconds(10000)}, {7, 0.5, milliseconds(11000)}, {40, 0.0, milliseconds(10000)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message() << "retry " << c.retry << " random " << c.unit_random);
    EXPECT_EQ(BackoffDelay(options, c.retry, c.unit_random), c.expected);
  }
}

TEST(Retry, OnlyThrottlingAndServerFailuresAreRetried) {
  for (long status : {429L, 500L, 502L, 503L, 504L}) EXPECT_TRUE(IsRetryableHttpStatus(status));
  for (long status : {200L, 201L, 400L, 401L, 403L, 404L, 409L, 410L, 422L, 501L}) {
    EXPECT_FALSE(IsRetryableHttpStatus(status)) << status;
  }
}

TEST(Retry, RetryAfterInSecondsIsHonouredOtherFormsIgnored) {
  EXPECT_EQ(ParseRetryAfter(" 3\r\n"), std::chrono::seconds(3));
  EXPECT_EQ(ParseRetryAfter("0"), std::chrono::seconds(0));
  EXPECT_EQ(ParseRetryAfter(""), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT"), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("-1"), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("99999999999999999999"), std::nullopt);
}

HttpRequest Request(const std::string& method, const std::string& content_type = "") {
  HttpRequest request;
  request.method = method;
  request.content_type = content_type;
  return request;
}

TEST(Retry, OnlyIdempotentRequestsAndServerSideApply) {
  EXPECT_TRUE(IsIdempotent(Request("GET")));
  EXPECT_TRUE(IsIdempotent(Request("DELETE")));
  EXPECT_TRUE(IsIdempotent(Request("PUT")));
  EXPECT_TRUE(IsIdempotent(Request("PATCH", "application/apply-patch+yaml")));
  EXPECT_FALSE(IsIdempotent(Request("PATCH", "application/json-patch+json")));
  EXPECT_FALSE(IsIdempotent(Request("POST")));
}

}  // namespace
}  // namespace capstan::target::kube
