// HTTP to one API server over libcurl: TLS and credentials from a kubeconfig, a client-side
// rate limit, retries of idempotent requests, bounded responses, and streaming for watches.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "target/kube/kubeconfig.h"
#include "target/kube/options.h"

namespace capstan::target::kube {

struct HttpRequest {
  std::string method = "GET";
  std::string path;  // "/api/v1/namespaces/a/configmaps?limit=500", already escaped
  std::string body;  // sent when not empty
  std::string content_type = "application/json";
};

struct HttpResponse {
  long status = 0;
  std::string body;
};

// Thread-safe: any number of threads may send at once (each request takes its own handle
// from a small pool of idle handles, which keeps connections alive between requests).
class Transport {
 public:
  // Invalid when the kubeconfig's server URL cannot be used.
  static Result<std::unique_ptr<Transport>> Create(const KubeConfig& config,
                                                   const TransportOptions& options);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Sends `request` after the rate limiter allows it, retrying idempotent requests
  // (GET, PUT, DELETE, server-side apply) within options.retry. Any HTTP status is a
  // response, including errors (the caller maps them); after retries the last response is
  // returned. Errors: Unavailable when the server cannot be reached or did not answer in
  // time (after retries); Invalid when the response is over max_response_bytes.
  Result<HttpResponse> Send(const HttpRequest& request);

  // Sends `request` and hands the body to `on_data` as it arrives, until the server ends
  // it, `on_data` returns false, or `stop` is requested (noticed within about 100 ms).
  // Rate-limited, never retried, no total time-out. Returns the HTTP status (0 when it
  // was stopped before one arrived); Unavailable when the connection failed.
  // `on_data` also gets the response's HTTP status (known before the first byte).
  Result<long> Stream(const HttpRequest& request,
                      const std::function<bool(long status, std::string_view data)>& on_data,
                      const std::stop_token& stop);

  // "https://127.0.0.1:6443"
  const std::string& server() const { return config_.server; }

 private:
  Transport(const KubeConfig& config, const TransportOptions& options);

  void* TakeHandle();
  void ReturnHandle(void* handle);
  // Sets URL, method, TLS, credentials and headers on `handle`.
  void Prepare(void* handle, const HttpRequest& request, void* headers) const;
  void* MakeHeaders(const HttpRequest& request) const;

  // Constant after construction.
  KubeConfig config_;
  TransportOptions options_;
  std::string url_prefix_;      // scheme://host:port as curl connects (tls-server-name aside)
  void* connect_to_ = nullptr;  // curl_slist for CURLOPT_CONNECT_TO when tls-server-name is set

  RateLimiter limiter_;
  std::mutex mu_;
  std::vector<void*> idle_;  // guarded by mu_: CURL* handles kept for reuse
};

// Whether a request may be repeated without changing its effect.
bool IsIdempotent(const HttpRequest& request);

}  // namespace capstan::target::kube
