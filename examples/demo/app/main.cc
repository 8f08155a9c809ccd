// capstan-demo-app: the demo service every example workload runs, and the program the local
// target's tests run in real podman containers. One static binary, behaviour chosen by flags
// so one image serves every test. Usage (flags take `--flag=value` or `--flag value`):
//
//   demo-app [--version=v1] [--listen=PORT] [--ready-after=S] [--unhealthy-after=S]
//            [--error-rate=F] [--crash-after=S] [--delay-start=S] [--ignore-sigterm]
//   demo-app --job-seconds=N [--exit-code=C]      a Job: sleeps N seconds, exits C
//   demo-app cleanup ARGS...                      a Job (the demo CronJob): exits 0
//
// Port: --listen, else $PORT, else 8080. Pod name: $POD_NAME, else the hostname.
// Endpoints (all GET):
//   /                  200 "hello from demo v1 (pod NAME)", or 500 for --error-rate of them
//   /healthz           200 "ok"; 500 after --unhealthy-after seconds or after /sick
//   /ready             503 until --ready-after seconds have passed or after /unready, then 200
//   /sick, /unready    make /healthz or /ready fail from now on
//   /version           "v1"
//   /slow?ms=N         answers after N milliseconds
//   /fail?rate=F       from now on, fraction F (0..1) of / answers are 500
//   /alloc?mb=N        allocates and touches N MiB more (kept until exit)
//   /exit?code=N       answers, then exits N
//   /env?name=X        the environment variable X, 404 when unset
//   /file?path=P       the file P (up to 1 MiB), 404 when unreadable
//   /write?path=P      writes "written\n" to the file P; 500 with the reason when it cannot
//   /metrics           Prometheus text: demo_http_requests_total{code,version}
// SIGTERM (and SIGINT): stop accepting, finish requests in flight, exit 0 (--ignore-sigterm
// ignores it instead, for tests of the kill after the grace period). One log line on start
// and per request on stdout.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "http_server.h"

#ifndef DEMO_VERSION
#define DEMO_VERSION "v1"
#endif

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kDefaultPort = 8080;
constexpr long kMaxSlowMillis = 10 * 60 * 1000;
constexpr long kMaxAllocMiB = 16 * 1024;
constexpr size_t kMaxFileBytes = 1 << 20;

struct Config {
  std::string version = DEMO_VERSION;
  int port = kDefaultPort;
  double ready_after = 0;
  double unhealthy_after = -1;  // < 0: never
  double error_rate = 0;
  double crash_after = -1;  // < 0: never
  double delay_start = 0;
  bool ignore_sigterm = false;
  bool job = false;
  double job_seconds = 0;
  int exit_code = 0;
  std::vector<std::string> job_args;
};

// Everything the handlers share; the atomics and mu_-guarded members are what requests change.
struct State {
  Config config;
  std::string pod;
  Clock::time_point started = Clock::now();
  std::atomic<double> error_rate{0};
  std::atomic<bool> sick{false};
  std::atomic<bool> unready{false};
  std::mutex mu;
  std::vector<std::unique_ptr<char[]>> allocations;  // guarded by mu
  long allocated_mib = 0;                            // guarded by mu
  std::map<int, long> requests_by_code;              // guarded by mu
};

std::mutex log_mu;

void Log(const std::string& line) {
  std::lock_guard<std::mutex> lock(log_mu);
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

[[noreturn]] void Exit(int code) {
  std::fflush(stdout);
  std::_Exit(code);
}

[[noreturn]] void Usage(const std::string& problem) {
  std::fprintf(stderr, "demo-app: %s (see the comment at the top of main.cc)\n", problem.c_str());
  std::exit(2);
}

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

double ParseNumber(const std::string& flag, const std::string& text) {
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0') Usage(flag + ": expected a number, got '" + text + "'");
  return value;
}

Config ParseFlags(int argc, char** argv) {
  Config config;
  if (const char* port = std::getenv("PORT"); port != nullptr && *port != '\0') {
    config.port = static_cast<int>(ParseNumber("$PORT", port));
  }
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) {  // a sub-command: the rest are its arguments
      config.job = true;
      config.job_args.assign(argv + i, argv + argc);
      break;
    }
    std::string name = arg, value;
    bool has_value = false;
    if (size_t eq = arg.find('='); eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_value = true;
    }
    auto take = [&]() -> std::string {
      if (has_value) return value;
      if (i + 1 >= argc) Usage(name + " needs a value");
      return argv[++i];
    };
    if (name == "--ignore-sigterm") {
      config.ignore_sigterm = true;
    } else if (name == "--version") {
      config.version = take();
    } else if (name == "--listen") {
      std::string port = take();
      if (size_t colon = port.rfind(':'); colon != std::string::npos) port.erase(0, colon + 1);
      config.port = static_cast<int>(ParseNumber(name, port));
    } else if (name == "--ready-after") {
      config.ready_after = ParseNumber(name, take());
    } else if (name == "--unhealthy-after") {
      config.unhealthy_after = ParseNumber(name, take());
    } else if (name == "--error-rate") {
      config.error_rate = ParseNumber(name, take());
    } else if (name == "--crash-after") {
      config.crash_after = ParseNumber(name, take());
    } else if (name == "--delay-start") {
      config.delay_start = ParseNumber(name, take());
    } else if (name == "--job-seconds") {
      config.job = true;
      config.job_seconds = ParseNumber(name, take());
    } else if (name == "--exit-code") {
      config.exit_code = static_cast<int>(ParseNumber(name, take()));
    } else {
      Usage("unknown flag " + name);
    }
  }
  return config;
}

std::string PodName() {
  if (const char* pod = std::getenv("POD_NAME"); pod != nullptr && *pod != '\0') return pod;
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) == 0) return host;
  return "unknown";
}

long QueryNumber(const demo::Request& request, const std::string& key, long fallback) {
  auto it = request.query.find(key);
  return it == request.query.end() ? fallback : std::strtol(it->second.c_str(), nullptr, 10);
}

bool Roll(double rate) {
  thread_local std::mt19937 random{std::random_device{}()};
  return rate > 0 && std::uniform_real_distribution<double>(0, 1)(random) < rate;
}

demo::Response Handle(State& state, const demo::Request& request) {
  const Config& config = state.config;
  const std::string& path = request.path;
  if (path == "/") {
    if (Roll(state.error_rate)) {
      return {500, "error from demo " + config.version + " (pod " + state.pod + ")\n"};
    }
    return {200, "hello from demo " + config.version + " (pod " + state.pod + ")\n"};
  }
  if (path == "/healthz") {
    bool expired = config.unhealthy_after >= 0 && Seconds(state.started) >= config.unhealthy_after;
    if (expired || state.sick) return {500, "unhealthy\n"};
    return {200, "ok\n"};
  }
  if (path == "/ready") {
    if (state.unready || Seconds(state.started) < config.ready_after) return {503, "not ready\n"};
    return {200, "ready\n"};
  }
  if (path == "/sick") {
    state.sick = true;
    return {200, "/healthz fails from now on\n"};
  }
  if (path == "/unready") {
    state.unready = true;
    return {200, "/ready fails from now on\n"};
  }
  if (path == "/version") return {200, config.version + "\n"};
  if (path == "/slow") {
    long ms = std::clamp(QueryNumber(request, "ms", 1000), 0L, kMaxSlowMillis);
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    return {200, "slept " + std::to_string(ms) + " ms\n"};
  }
  if (path == "/fail") {
    auto it = request.query.find("rate");
    double rate = it == request.query.end() ? 1.0 : std::strtod(it->second.c_str(), nullptr);
    state.error_rate = std::clamp(rate, 0.0, 1.0);
    return {200, "error rate " + std::to_string(state.error_rate.load()) + "\n"};
  }
  if (path == "/alloc") {
    long mib = std::clamp(QueryNumber(request, "mb", 1), 0L, kMaxAllocMiB);
    size_t bytes = static_cast<size_t>(mib) << 20;
    std::unique_ptr<char[]> block(new char[bytes]);
    std::memset(block.get(), 1, bytes);  // touch every page so it is really resident
    std::lock_guard<std::mutex> lock(state.mu);
    state.allocations.push_back(std::move(block));
    state.allocated_mib += mib;
    return {200, "allocated " + std::to_string(mib) + " MiB (total " +
                     std::to_string(state.allocated_mib) + " MiB)\n"};
  }
  if (path == "/exit") {
    int code = static_cast<int>(QueryNumber(request, "code", 0));
    demo::Response response{200, "exiting " + std::to_string(code) + "\n"};
    response.after = [code] {
      Log("exiting with status " + std::to_string(code) + " as /exit asked");
      Exit(code);
    };
    return response;
  }
  if (path == "/env") {
    const char* value =
        std::getenv(request.query.count("name") ? request.query.at("name").c_str() : "");
    if (value == nullptr) return {404, "not set\n"};
    return {200, std::string(value) + "\n"};
  }
  if (path == "/file") {
    auto it = request.query.find("path");
    std::ifstream file(it == request.query.end() ? "" : it->second, std::ios::binary);
    if (!file) return {404, "cannot read\n"};
    std::string contents(kMaxFileBytes, '\0');
    file.read(contents.data(), static_cast<std::streamsize>(contents.size()));
    contents.resize(static_cast<size_t>(file.gcount()));
    return {200, contents};
  }
  if (path == "/write") {
    auto it = request.query.find("path");
    std::string target = it == request.query.end() ? "" : it->second;
    std::FILE* file = std::fopen(target.c_str(), "w");
    if (file == nullptr) return {500, target + ": " + std::strerror(errno) + "\n"};
    bool written = std::fputs("written\n", file) >= 0;
    written = std::fclose(file) == 0 && written;
    if (!written) return {500, target + ": " + std::strerror(errno) + "\n"};
    return {200, "wrote " + target + "\n"};
  }
  if (path == "/metrics") {
    std::ostringstream out;
    out << "# TYPE demo_http_requests_total counter\n";
    std::lock_guard<std::mutex> lock(state.mu);
    for (const auto& [code, count] : state.requests_by_code) {
      out << "demo_http_requests_total{code=\"" << code << "\",version=\"" << config.version
          << "\"} " << count << "\n";
    }
    return {200, out.str(), "text/plain; version=0.0.4"};
  }
  return {404, "not found\n"};
}

// The sub-command or --job-seconds mode: a Job's container.
[[noreturn]] void RunJob(const Config& config) {
  std::string args;
  for (const std::string& arg : config.job_args) args += " " + arg;
  Log("demo " + config.version + " job started:" + args);
  std::this_thread::sleep_for(std::chrono::duration<double>(config.job_seconds));
  Log("demo " + config.version + " job finished, exit " + std::to_string(config.exit_code));
  Exit(config.exit_code);
}

}  // namespace

int main(int argc, char** argv) {
  State state;
  state.config = ParseFlags(argc, argv);
  state.pod = PodName();
  state.error_rate = state.config.error_rate;
  const Config& config = state.config;

  // Signals are taken by one thread with sigwait; every other thread blocks them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  if (config.ignore_sigterm) {
    ::signal(SIGTERM, SIG_IGN);
  } else {
    sigaddset(&signals, SIGTERM);
  }
  ::pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  demo::HttpServer server;
  std::atomic<bool> serving{false};
  std::thread([&] {
    int signal = 0;
    ::sigwait(&signals, &signal);
    if (!serving) {  // a Job or a server still starting: nothing to drain
      Log(std::string("received ") + ::strsignal(signal) + ", exiting");
      Exit(128 + signal);
    }
    Log(std::string("received ") + ::strsignal(signal) + ", draining");
    server.Stop();
  }).detach();

  if (config.job) RunJob(config);
  if (config.crash_after >= 0) {
    std::thread([&config] {
      std::this_thread::sleep_for(std::chrono::duration<double>(config.crash_after));
      Log("crashing as --crash-after asked");
      Exit(1);
    }).detach();
  }
  if (config.delay_start > 0) {
    Log("demo " + config.version + " delaying start by " + std::to_string(config.delay_start) +
        " s");
    std::this_thread::sleep_for(std::chrono::duration<double>(config.delay_start));
  }

  std::string error;
  if (!server.Listen(config.port, &error)) {
    Log("demo-app: " + error);
    return 1;
  }
  state.started = Clock::now();
  serving = true;
  Log("demo " + config.version + " listening on :" + std::to_string(config.port) + " (pod " +
      state.pod + ")");
  server.Serve([&state](const demo::Request& request) {
    Clock::time_point begin = Clock::now();
    demo::Response response = Handle(state, request);
    {
      std::lock_guard<std::mutex> lock(state.mu);
      ++state.requests_by_code[response.status];
    }
    char took[32];
    std::snprintf(took, sizeof(took), "%.1fms", Seconds(begin) * 1000);
    std::string query;
    for (const auto& [key, value] : request.query) {
      query += (query.empty() ? "?" : "&") + key + "=" + value;
    }
    Log(request.method + " " + request.path + query + " " + std::to_string(response.status) + " " +
        took);
    return response;
  });
  Log("demo " + config.version + " stopped");
  return 0;
}
