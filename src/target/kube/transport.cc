#include "target/kube/internal/transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <random>
#include <thread>

#include "core/log.h"

namespace capstan::target::kube {
namespace {

// Idle handles kept for reuse; more concurrent requests still work, their handles are
// freed afterwards.
constexpr size_t kMaxIdleHandles = 8;
constexpr char kApplyPatchType[] = "application/apply-patch+yaml";

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

double UnitRandom() {
  thread_local std::mt19937 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

bool IsRetryableCurlCode(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

// Body collected under a size bound.
struct Sink {
  std::string body;
  size_t limit = 0;
  bool overflow = false;
};

size_t WriteBounded(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  size_t bytes = size * count;
  if (sink->body.size() + bytes > sink->limit) {
    sink->overflow = true;
    return 0;  // makes curl stop with CURLE_WRITE_ERROR
  }
  sink->body.append(data, bytes);
  return bytes;
}

size_t HeaderRetryAfter(char* data, size_t size, size_t count, void* user) {
  std::string_view line(data, size * count);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size()) {
    std::string lower(line.substr(0, kName.size()));
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower == kName) *static_cast<std::string*>(user) = std::string(line.substr(kName.size()));
  }
  return size * count;
}

// Splits "https://host:port/prefix" into scheme, host, port and prefix.
struct ServerUrl {
  std::string scheme, host, port, prefix;
};

Result<ServerUrl> ParseServer(const std::string& server, const std::string& source) {
  ServerUrl url;
  size_t scheme_end = server.find("://");
  if (scheme_end == std::string::npos) {
    return Error::Invalid(source + ": server: not a URL: \"" + server + "\"");
  }
  url.scheme = server.substr(0, scheme_end);
  std::string rest = server.substr(scheme_end + 3);
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) url.prefix = rest.substr(slash);
  size_t colon = authority.rfind(':');
  size_t bracket = authority.rfind(']');
  if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket)) {
    url.host = authority.substr(0, colon);
    url.port = authority.substr(colon + 1);
  } else {
    url.host = authority;
    url.port = url.scheme == "https" ? "443" : "80";
  }
  if (url.host.empty()) return Error::Invalid(source + ": server: no host in \"" + server + "\"");
  return url;
}

}  // namespace

bool IsIdempotent(const HttpRequest& request) {
  const std::string& m = request.method;
  if (m == "GET" || m == "HEAD" || m == "PUT" || m == "DELETE") return true;
  return m == "PATCH" && request.content_type == kApplyPatchType;
}

Result<std::unique_ptr<Transport>> Transport::Create(const KubeConfig& config,
                                                     const TransportOptions& options) {
  GlobalInit();
  Result<ServerUrl> url = ParseServer(config.server, config.source);
  if (!url.ok()) return std::move(url).error();
  std::unique_ptr<Transport> transport(new Transport(config, options));
  if (config.tls_server_name.empty()) {
    transport->url_prefix_ = config.server;
  } else {
    // Connect to the real host, but name (SNI, certificate check) tls-server-name.
    transport->url_prefix_ =
        url->scheme + "://" + config.tls_server_name + ":" + url->port + url->prefix;
    std::string entry =
        config.tls_server_name + ":" + url->port + ":" + url->host + ":" + url->port;
    transport->connect_to_ = curl_slist_append(nullptr, entry.c_str());
  }
  return transport;
}

Transport::Transport(const KubeConfig& config, const TransportOptions& options)
    : config_(config), options_(options), limiter_(options.rate_limit) {}

Transport::~Transport() {
  for (void* handle : idle_) curl_easy_cleanup(static_cast<CURL*>(handle));
  curl_slist_free_all(static_cast<curl_slist*>(connect_to_));
}

void* Transport::TakeHandle() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      void* handle = idle_.back();
      idle_.pop_back();
      return handle;
    }
  }
  return curl_easy_init();
}

void Transport::ReturnHandle(void* handle) {
  curl_easy_reset(static_cast<CURL*>(handle));  // keeps its live connections
  std::lock_guard lock(mu_);
  if (idle_.size() < kMaxIdleHandles) {
    idle_.push_back(handle);
    return;
  }
  curl_easy_cleanup(static_cast<CURL*>(handle));
}

void* Transport::MakeHeaders(const HttpRequest& request) const {
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Accept: application/json");
  if (!request.body.empty()) {
    headers = curl_slist_append(headers, ("Content-Type: " + request.content_type).c_str());
  }
  if (!config_.token.empty()) {
    headers = curl_slist_append(headers, ("Authorization: Bearer " + config_.token).c_str());
  }
  // curl would otherwise wait a second for "100 Continue" before sending a large body.
  headers = curl_slist_append(headers, "Expect:");
  return headers;
}

void Transport::Prepare(void* raw, const HttpRequest& request, void* headers) const {
  CURL* curl = static_cast<CURL*>(raw);
  std::string url = url_prefix_ + request.path;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "capstan");
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (request.method == "HEAD") curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  if (!request.body.empty()) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, static_cast<curl_slist*>(headers));
  if (connect_to_ != nullptr) curl_easy_setopt(curl, CURLOPT_CONNECT_TO, connect_to_);
  if (config_.insecure_skip_tls_verify) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!config_.ca_pem.empty()) {
    curl_blob blob{const_cast<char*>(config_.ca_pem.data()), config_.ca_pem.size(), CURL_BLOB_COPY};
    curl_easy_setopt(curl, CURLOPT_CAINFO_BLOB, &blob);
  }
  if (!config_.client_cert_pem.empty()) {
    curl_blob cert{const_cast<char*>(config_.client_cert_pem.data()),
                   config_.client_cert_pem.size(), CURL_BLOB_COPY};
    curl_blob key{const_cast<char*>(config_.client_key_pem.data()), config_.client_key_pem.size(),
                  CURL_BLOB_COPY};
    curl_easy_setopt(curl, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(curl, CURLOPT_SSLCERT_BLOB, &cert);
    curl_easy_setopt(curl, CURLOPT_SSLKEYTYPE, "PEM");
    curl_easy_setopt(curl, CURLOPT_SSLKEY_BLOB, &key);
  }
  if (!config_.username.empty()) {
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(curl, CURLOPT_USERNAME, config_.username.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, config_.password.c_str());
  }
}

Result<HttpResponse> Transport::Send(const HttpRequest& request) {
  const auto start = std::chrono::steady_clock::now();
  const bool retryable = IsIdempotent(request);
  const std::string what = request.method + " " + config_.server + request.path;
  curl_slist* headers = static_cast<curl_slist*>(MakeHeaders(request));
  for (int attempt = 1;; ++attempt) {
    limiter_.Wait();
    CURL* curl = static_cast<CURL*>(TakeHandle());
    Prepare(curl, request, headers);
    Sink sink;
    sink.limit = options_.max_response_bytes;
    std::string retry_after;
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteBounded);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, HeaderRetryAfter);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &retry_after);
    CURLcode code = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    ReturnHandle(curl);

    if (sink.overflow) {
      curl_slist_free_all(headers);
      return Error::Invalid(what + ": response larger than " +
                            std::to_string(options_.max_response_bytes) + " bytes");
    }
    bool again = code == CURLE_OK ? IsRetryableHttpStatus(status) : IsRetryableCurlCode(code);
    auto elapsed = std::chrono::steady_clock::now() - start;
    if (!again || !retryable || attempt >= options_.retry.max_attempts ||
        elapsed >= options_.retry.max_total) {
      curl_slist_free_all(headers);
      if (code != CURLE_OK) {
        std::string attempts =
            attempt > 1 ? " (after " + std::to_string(attempt) + " attempts)" : "";
        std::string message = what;
        message.append(": ").append(curl_easy_strerror(code)).append(attempts);
        return Error::Unavailable(std::move(message));
      }
      return HttpResponse{status, std::move(sink.body)};
    }
    std::chrono::milliseconds wait = BackoffDelay(options_.retry, attempt, UnitRandom());
    if (std::optional<std::chrono::seconds> asked = ParseRetryAfter(retry_after)) {
      wait = std::min<std::chrono::milliseconds>(std::max<std::chrono::milliseconds>(wait, *asked),
                                                 options_.retry.max_backoff);
    }
    Log(LogLevel::kDebug, "{}: {}; retry {} in {} ms", what,
        code == CURLE_OK ? "HTTP " + std::to_string(status) : curl_easy_strerror(code), attempt,
        wait.count());
    std::this_thread::sleep_for(wait);
  }
}

}  // namespace capstan::target::kube
