// The CLI's client for capstan server's HTTP API (/api/v1/...). `capstan app ...` commands
// talk to a running server, as `argocd app ...` does; they never touch the cluster or the
// store themselves, so every action goes through the server's audit log.
#pragma once

#include <string>

#include "core/result.h"
#include "core/value.h"

namespace capstan::cli {

struct ApiClientOptions {
  // Base URL of the server, "http://127.0.0.1:8080". From --server, else $CAPSTAN_SERVER,
  // else that default.
  std::string server;
  // Who is acting, recorded in the audit log: $USER@hostname unless set.
  std::string actor;
  long timeout_seconds = 60;
};

class ApiClient {
 public:
  explicit ApiClient(ApiClientOptions options);

  // GET `path` and parse the JSON body. A non-2xx answer is an error carrying the
  // server's {"error": ...} message; Unavailable when nothing answers at the address.
  Result<Value> GetJson(const std::string& path) const;
  // GET `path` as text (for unified diffs).
  Result<std::string> GetText(const std::string& path) const;
  // POST `body` as JSON and parse the JSON answer.
  Result<Value> PostJson(const std::string& path, const Value& body) const;

  const std::string& server() const { return options_.server; }

 private:
  Result<std::string> Send(const std::string& method, const std::string& path,
                           const std::string* body) const;
  ApiClientOptions options_;
};

// Server URL and actor filled in from the environment where the flags left them empty.
ApiClientOptions ResolveApiClientOptions(std::string server, std::string actor);

}  // namespace capstan::cli
