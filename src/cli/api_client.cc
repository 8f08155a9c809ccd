#include "cli/api_client.h"

#include <curl/curl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>

#include "core/json.h"

namespace capstan::cli {
namespace {

constexpr char kDefaultServer[] = "http://127.0.0.1:8080";
// The API's answers are small (an Application with its history); a larger one is a bug or
// not our server.
constexpr size_t kMaxResponseBytes = size_t{64} << 20;

struct Body {
  std::string text;
  bool too_large = false;
};

size_t Collect(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<Body*>(user);
  size_t bytes = size * count;
  if (body->text.size() + bytes > kMaxResponseBytes) {
    body->too_large = true;
    return 0;  // makes curl stop with CURLE_WRITE_ERROR
  }
  body->text.append(data, bytes);
  return bytes;
}

std::string ErrorMessageOf(const std::string& body) {
  auto parsed = ParseJson(body, "response");
  if (parsed.ok() && parsed->is_object()) {
    std::string_view message = parsed->StringAt({"error"});
    if (!message.empty()) return std::string(message);
  }
  return body.substr(0, 500);
}

}  // namespace

ApiClientOptions ResolveApiClientOptions(std::string server, std::string actor) {
  ApiClientOptions options;
  if (server.empty()) {
    const char* env = std::getenv("CAPSTAN_SERVER");
    server = env != nullptr && *env != '\0' ? env : kDefaultServer;
  }
  while (!server.empty() && server.back() == '/') server.pop_back();
  options.server = std::move(server);
  if (actor.empty()) {
    const char* user = std::getenv("USER");
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    actor = fmt::format("{}@{}", user != nullptr ? user : "unknown", host);
  }
  options.actor = std::move(actor);
  return options;
}

ApiClient::ApiClient(ApiClientOptions options) : options_(std::move(options)) {}

Result<std::string> ApiClient::Send(const std::string& method, const std::string& path,
                                    const std::string* body) const {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return Error::Internal("curl_easy_init failed");
  std::string url = options_.server + path;
  Body response;
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Accept: application/json");
  std::string actor = "X-Capstan-Actor: " + options_.actor;
  headers = curl_slist_append(headers, actor.c_str());
  if (body != nullptr) headers = curl_slist_append(headers, "Content-Type: application/json");
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_list(headers,
                                                                          curl_slist_free_all);
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, options_.timeout_seconds);
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  if (body != nullptr) {
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body->c_str());
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(body->size()));
  }
  CURLcode code = curl_easy_perform(curl.get());
  if (response.too_large) {
    return Error::Unavailable(
        fmt::format("{} {}: answer larger than {} bytes", method, url, kMaxResponseBytes));
  }
  if (code != CURLE_OK) {
    return Error::Unavailable(
        fmt::format("capstan server at {}: {} (is `capstan server` running? "
                    "set --server or CAPSTAN_SERVER)",
                    options_.server, curl_easy_strerror(code)));
  }
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status == 404) return Error::NotFound(ErrorMessageOf(response.text));
  if (status == 409) return Error::Conflict(ErrorMessageOf(response.text));
  if (status >= 400 && status < 500) return Error::Invalid(ErrorMessageOf(response.text));
  if (status >= 500) return Error::Unavailable(ErrorMessageOf(response.text));
  return std::move(response.text);
}

Result<Value> ApiClient::GetJson(const std::string& path) const {
  auto text = Send("GET", path, nullptr);
  if (!text.ok()) return text.error();
  return ParseJson(*text, options_.server + path);
}

Result<std::string> ApiClient::GetText(const std::string& path) const {
  return Send("GET", path, nullptr);
}

Result<Value> ApiClient::PostJson(const std::string& path, const Value& body) const {
  std::string text = EmitJson(body);
  auto answer = Send("POST", path, &text);
  if (!answer.ok()) return answer.error();
  return ParseJson(*answer, options_.server + path);
}

}  // namespace capstan::cli
