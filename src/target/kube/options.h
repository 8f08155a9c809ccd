// Tunables of the Kubernetes client. Every field has a default that suits a controller
// talking to one API server; the comments say what changing it costs.
#pragma once

#include <chrono>
#include <cstddef>

#include "target/kube/rate_limit.h"
#include "target/kube/retry.h"

namespace capstan::target::kube {

struct TransportOptions {
  // Time to set up TCP and TLS. Default 10 s.
  std::chrono::milliseconds connect_timeout{10'000};
  // Time for a whole request (not a watch). Default 60 s: a large list page or an apply
  // that waits for admission webhooks.
  std::chrono::milliseconds request_timeout{60'000};
  // Largest response body kept; a larger one is an Invalid error. Default 64 MiB (a list
  // page of 500 large objects). Raising it raises peak memory by as much per request.
  size_t max_response_bytes = 64u << 20;
  RateLimitOptions rate_limit;
  RetryOptions retry;
};

struct KubeClientOptions {
  TransportOptions transport;
  // Objects per List page (`limit`). Default 500, as kubectl; smaller pages mean more
  // requests, larger ones more memory per response.
  int list_page_size = 500;
  // A discovery miss (an unknown kind or apiVersion) asks the server again at most this
  // often per group version. Default 2 s: a CRD established a moment ago is found on the
  // next try, and a typo cannot hammer the server.
  std::chrono::milliseconds discovery_refresh_interval{2'000};
  // How long the server keeps one watch open (`timeoutSeconds`) before the client
  // re-watches from the last resource version. Default 5 minutes, as client-go (which
  // adds jitter; Informer does too).
  std::chrono::seconds watch_timeout{300};
  // Longest line of a watch stream (one event, i.e. one object). Default 16 MiB; a longer
  // one ends the watch with Invalid.
  size_t max_watch_line_bytes = 16u << 20;
};

}  // namespace capstan::target::kube
