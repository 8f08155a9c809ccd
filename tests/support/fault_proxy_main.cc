// fault-proxy: fault_proxy.h as a program, a TEST STAND-IN for trying a client (or
// `capstan server`) against a flaky API server by hand:
//
//   fault-proxy --upstream-port 6443 --cert DIR/pki/apiserver.crt --key DIR/pki/apiserver.key
//       --rate-503 0.3 --rate-reset 0.05
//
// Prints "fault-proxy listening on https://127.0.0.1:PORT" once ready, serves until SIGINT or
// SIGTERM, then prints how many requests got each fault.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "fault_proxy.h"

int main(int argc, char** argv) {
  using capstan::testing::Fault;
  using capstan::testing::FaultProxy;
  CLI::App app{
      "fault-proxy: a test stand-in TLS proxy that injects 429, 500, 503, resets "
      "and stalls in front of an API server"};
  FaultProxy::Options options;
  int stall_ms = 5000;
  app.add_option("--upstream-host", options.upstream_host, "API server IPv4 address");
  app.add_option("--upstream-port", options.upstream_port, "API server port")->required();
  app.add_option("--cert", options.cert_file, "PEM certificate to serve")->required();
  app.add_option("--key", options.key_file, "PEM key to serve")->required();
  app.add_option("--rate-429", options.faults.status_429, "share of requests answered 429");
  app.add_option("--rate-500", options.faults.status_500, "share answered 500");
  app.add_option("--rate-503", options.faults.status_503, "share answered 503");
  app.add_option("--rate-reset", options.faults.reset, "share reset without an answer");
  app.add_option("--rate-stall", options.faults.stall, "share held, then closed");
  app.add_option("--stall-ms", stall_ms, "how long a stall holds a request");
  app.add_option("--max-consecutive", options.max_consecutive_faults,
                 "never more faults in a row (0: no limit)");
  app.add_option("--seed", options.seed, "random seed");
  CLI11_PARSE(app, argc, argv);
  options.stall = std::chrono::milliseconds(stall_ms);

  // Blocked before any thread starts, so only sigwait below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  auto proxy = FaultProxy::Start(options);
  if (!proxy.ok()) {
    std::fprintf(stderr, "fault-proxy: %s\n", proxy.error().message().c_str());
    return 1;
  }
  std::printf("fault-proxy listening on %s\n", (*proxy)->url().c_str());
  std::fflush(stdout);
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  for (Fault fault :
       {Fault::kNone, Fault::k429, Fault::k500, Fault::k503, Fault::kReset, Fault::kStall}) {
    std::printf("%s %d\n", std::string(capstan::testing::FaultName(fault)).c_str(),
                (*proxy)->Count(fault));
  }
  return 0;
}
