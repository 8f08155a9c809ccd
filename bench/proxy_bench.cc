// proxy_bench: capstan's local proxy in front of one upstream, for bench/proxy_vs_haproxy.sh.
//   proxy_bench --listen 127.0.0.1:8000 --upstream 127.0.0.1:8080 [--threads 2]
// Routes every request on the HTTP listener to the upstream (an Ingress with one
// defaultBackend) and runs until SIGINT or SIGTERM.
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

#include "target/local/proxy/proxy.h"

using namespace capstan::target::local::proxy;  // NOLINT(google-build-using-namespace)

int main(int argc, char** argv) {
  ProxyOptions options;
  std::string upstream;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--listen") == 0) options.http_listen = argv[i + 1];
    if (std::strcmp(argv[i], "--upstream") == 0) upstream = argv[i + 1];
    if (std::strcmp(argv[i], "--threads") == 0) options.threads = std::stoi(argv[i + 1]);
  }
  size_t colon = upstream.rfind(':');
  if (colon == std::string::npos) {
    std::fprintf(stderr, "usage: proxy_bench --listen IP:PORT --upstream IP:PORT [--threads N]\n");
    return 2;
  }
  // Block the signals before the I/O threads start, so only sigwait below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto proxy = Proxy::Start(options);
  if (!proxy.ok()) {
    std::fprintf(stderr, "proxy_bench: %s\n", proxy.error().message().c_str());
    return 1;
  }
  Endpoint endpoint;
  endpoint.address = upstream.substr(0, colon);
  endpoint.port = static_cast<uint16_t>(std::stoi(upstream.substr(colon + 1)));
  endpoint.pod = "bench/upstream";
  endpoint.version = "v1";
  HttpRoute route;
  route.path = "/";
  route.ingress = "bench/upstream";
  route.backend.namespace_ = "bench";
  route.backend.service = "upstream";
  route.backend.port = endpoint.port;
  route.backend.endpoints = {endpoint};
  RouteTable table;
  table.http = {route};
  (*proxy)->Update(table);
  std::printf("proxy_bench: listening on 127.0.0.1:%u\n", (*proxy)->http_port());
  std::fflush(stdout);
  int signal = 0;
  sigwait(&signals, &signal);
  return 0;
}
