#include "target/kube/internal/api_error.h"

#include <gtest/gtest.h>

namespace capstan::target::kube {
namespace {

std::string StatusBody(long code, const std::string& reason, const std::string& message) {
  return R"({"kind":"Status","apiVersion":"v1","status":"Failure","message":")" + message +
         R"(","reason":")" + reason + R"(","code":)" + std::to_string(code) + "}";
}

TEST(ErrorFromResponse, MapsStatusCodesAndKeepsTheServersMessage) {
  struct Case {
    long http;
    std::string reason;
    ErrorCode code;
    std::string message;
  };
  const Case cases[] = {
      {404, "NotFound", ErrorCode::kNotFound,
       "apps/Deployment shop/web: deployments.apps \"web\" not found"},
      {409, "Conflict", ErrorCode::kConflict,
       "apps/Deployment shop/web: deployments.apps \"web\" not found"},
      {422, "Invalid", ErrorCode::kInvalid,
       "apps/Deployment shop/web: deployments.apps \"web\" not found"},
      {400, "BadRequest", ErrorCode::kInvalid,
       "apps/Deployment shop/web: deployments.apps \"web\" not found"},
      {401, "Unauthorized", ErrorCode::kUnavailable,
       "apps/Deployment shop/web: unauthorized: deployments.apps \"web\" not found"},
      {403, "Forbidden", ErrorCode::kInvalid,
       "apps/Deployment shop/web: forbidden: deployments.apps \"web\" not found"},
      {410, "Expired", ErrorCode::kConflict,
       "apps/Deployment shop/web: gone: deployments.apps \"web\" not found"},
      {429, "TooManyRequests", ErrorCode::kUnavailable,
       "apps/Deployment shop/web: deployments.apps \"web\" not found"},
      {503, "ServiceUnavailable", ErrorCode::kUnavailable,
       "apps/Deployment shop/web: deployments.apps \"web\" not found"},
      {418, "Teapot", ErrorCode::kInvalid,
       "apps/Deployment shop/web: deployments.apps \"web\" not found"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.http);
    Error error = ErrorFromResponse(
        c.http, StatusBody(c.http, c.reason, R"(deployments.apps \"web\" not found)"),
        "apps/Deployment shop/web");
    EXPECT_EQ(error.code(), c.code);
    EXPECT_EQ(error.message(), c.message);
  }
}

TEST(ErrorFromResponse, ABodyThatIsNotAStatusIsQuotedShortly) {
  Error error = ErrorFromResponse(502, "<html>bad gateway</html>\n", "GET /api/v1");
  EXPECT_EQ(error.code(), ErrorCode::kUnavailable);
  EXPECT_EQ(error.message(), "GET /api/v1: HTTP 502: <html>bad gateway</html>");
  Error empty = ErrorFromResponse(500, "", "GET /api/v1");
  EXPECT_EQ(empty.message(), "GET /api/v1: HTTP 500");
  Error huge = ErrorFromResponse(500, std::string(10000, 'x'), "GET /");
  EXPECT_LT(huge.message().size(), 600u);
}

}  // namespace
}  // namespace capstan::target::kube
