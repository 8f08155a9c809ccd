#include "kube_rest.h"

#include "core/json.h"
#include "target/kube/internal/api_error.h"

namespace capstan::standin {
namespace {

using target::kube::ErrorFromResponse;
using target::kube::HttpRequest;
using target::kube::HttpResponse;

HttpRequest Request(std::string method, std::string path, std::string body = {},
                    std::string content_type = "application/json") {
  HttpRequest request;
  request.method = std::move(method);
  request.path = std::move(path);
  request.body = std::move(body);
  request.content_type = std::move(content_type);
  return request;
}

std::string What(const HttpRequest& request) {
  // The path without its query: names the object, never carries a credential.
  return request.method + " " + request.path.substr(0, request.path.find('?'));
}

}  // namespace

Result<Value> KubeRest::Json(const HttpRequest& request) {
  Result<HttpResponse> response = transport_.Send(request);
  if (!response.ok()) return std::move(response).error().Wrap(What(request));
  if (response->status >= 400) {
    return ErrorFromResponse(response->status, response->body, What(request));
  }
  if (response->body.empty()) return Value();
  return ParseJson(response->body, What(request));
}

Result<Value> KubeRest::Create(const std::string& path, const Value& object) {
  return Json(Request("POST", path, EmitJson(object)));
}

Result<Value> KubeRest::MergePatch(const std::string& path, const Value& patch) {
  return Json(Request("PATCH", path, EmitJson(patch), "application/merge-patch+json"));
}

Result<Value> KubeRest::Apply(const std::string& path, const Value& object,
                              std::string_view manager) {
  // JSON is YAML, which is what the apply patch type reads.
  return Json(Request("PATCH", path + "?fieldManager=" + QueryEscape(manager) + "&force=true",
                      EmitJson(object), "application/apply-patch+yaml"));
}

Status KubeRest::Delete(const std::string& path, const Value& options) {
  Result<Value> deleted = Json(Request("DELETE", path, EmitJson(options)));
  if (!deleted.ok() && deleted.error().code() != ErrorCode::kNotFound) {
    return std::move(deleted).error();
  }
  return OkStatus();
}

std::string QueryEscape(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string escaped;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      escaped += static_cast<char>(c);
    } else {
      escaped += '%';
      escaped += kHex[c >> 4];
      escaped += kHex[c & 15];
    }
  }
  return escaped;
}

}  // namespace capstan::standin
