// fault_proxy: a TEST STAND-IN, not product code. A TLS-terminating HTTP/1.1 proxy on
// 127.0.0.1 in front of a real kube-apiserver that injects the faults a client meets in
// production — 429 with Retry-After, 500, 503, a connection reset without an answer, and a
// stall longer than the client's time-out — so integration tests can check that capstan's
// Kubernetes client retries within its budget and reports clearly when it gives up.
//
//   FaultProxy::Options options{.upstream_port = 6443, .cert_file = ".../apiserver.crt",
//                               .key_file = ".../apiserver.key"};
//   options.faults = {.status_429 = 0.1, .status_500 = 0.1, .reset = 0.05};
//   auto proxy = FaultProxy::Start(options);   // then point a kubeconfig at (*proxy)->url()
//
// Each downstream connection carries one request (the proxy asks both sides for
// `Connection: close`), so each request is faulted or forwarded on its own. A forwarded
// response is copied byte for byte as it arrives, so watches (?watch=1) stream through; a
// watch is only ever faulted at its start.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/result.h"

namespace capstan::testing {

enum class Fault { kNone, k429, k500, k503, kReset, kStall };
std::string_view FaultName(Fault fault);

// Probabilities per request, each in [0, 1], summing to at most 1.
struct FaultRates {
  double status_429 = 0;  // answer 429 with Retry-After: 1 and a Status body (as the API server)
  double status_500 = 0;  // answer 500 with a plain-text body (as a broken load balancer)
  double status_503 = 0;  // answer 503 with a plain-text body
  double reset = 0;       // read the request, then reset the connection (RST, no answer)
  double stall = 0;       // read the request, answer nothing for Options::stall, then close
};

// What the proxy saw: one entry per request, in arrival order.
struct FaultRecord {
  std::string method;
  std::string target;  // path and query, as sent
  Fault fault = Fault::kNone;
};

class FaultProxy {
 public:
  struct Options {
    std::string upstream_host = "127.0.0.1";
    int upstream_port = 0;
    // PEM files the proxy serves TLS with (the API server's own serving certificate for
    // 127.0.0.1 does).
    std::string cert_file;
    std::string key_file;
    FaultRates faults;
    // Never more than this many faults in a row for one request (same method and target;
    // 0: no limit), so a client with a retry budget of more attempts than this must
    // converge, however its requests interleave.
    int max_consecutive_faults = 0;
    std::chrono::milliseconds stall{5000};
    uint32_t seed = 1;  // fixed: the same request order gets the same faults
  };

  // Listens on 127.0.0.1:0 and serves until destroyed. Ignores SIGPIPE process-wide (a
  // client may reset while the proxy writes). Invalid for unreadable certificate
  // files; Unavailable when no socket can be opened.
  static Result<std::unique_ptr<FaultProxy>> Start(const Options& options);
  // Stops accepting, ends stalls and open streams, and joins every thread.
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  int port() const { return port_; }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }

  // Thread-safe; applies to requests that arrive afterwards.
  void SetFaults(const FaultRates& rates);
  // Thread-safe copies.
  std::vector<FaultRecord> Records() const;
  int Count(Fault fault) const;
  int Injected() const;  // every fault but kNone

 private:
  explicit FaultProxy(const Options& options);
  void AcceptLoop();
  void Serve(int client_fd);
  Fault Decide(const std::string& request);
  void Record(FaultRecord record);

  Options options_;
  void* ssl_ctx_ = nullptr;       // SSL_CTX* serving downstream
  void* upstream_ctx_ = nullptr;  // SSL_CTX* for the API server (no verification: a test)
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;

  mutable std::mutex mu_;
  FaultRates rates_;
  uint64_t rng_state_;
  std::map<std::string, int> consecutive_;  // by "METHOD target"
  std::vector<FaultRecord> records_;
  std::vector<std::thread> workers_;
  std::vector<int> open_fds_;  // shut down on stop, so blocked reads return
};

}  // namespace capstan::testing
