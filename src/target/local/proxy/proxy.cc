// Proxy: the I/O threads, listeners and route snapshots. Sessions live in
// internal/http_session.cc and internal/tcp_session.cc.
//
// Each worker thread runs its own io_context; an accepted connection is handed to the next
// worker and stays there, so sessions need no strands or locks. Acceptors accept on their
// own worker and pass the file descriptor on (a socket cannot move between io_contexts).
#include "target/local/proxy/proxy.h"

#include <utility>
// <utility> before Boost: 1.74's awaitable.hpp uses std::exchange without including it.

#include <fmt/format.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cctype>
#include <map>
#include <thread>

#include "core/log.h"
#include "target/local/proxy/internal/runtime.h"

namespace capstan::target::local::proxy {

using namespace internal;  // NOLINT(google-build-using-namespace): this file is its glue
using error_code = boost::system::error_code;

namespace {

// Pause after a failed accept (e.g. out of file descriptors) before the next try.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(50);
// How often each worker closes pooled connections that idled too long or lost their pod.
constexpr auto kMaxSweepInterval = std::chrono::seconds(5);
constexpr auto kMinSweepInterval = std::chrono::milliseconds(100);
// Polls of an idle worker before it blocks. A worker that sleeps as soon as it runs out of
// work pays a context switch per wake-up, which on a busy machine costs more than a few
// non-blocking epoll_wait calls.
constexpr int kIdlePolls = 20;
// WaitDrained's polling step.
constexpr auto kDrainPoll = std::chrono::milliseconds(5);

enum class Kind { kHttp, kTcp, kMetrics };

// "127.0.0.1:8000" → address and port.
Result<tcp::endpoint> ParseListen(const std::string& listen) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return Error::Invalid(fmt::format("listen address \"{}\": expected host:port", listen));
  }
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty() || host == "localhost") host = "127.0.0.1";
  error_code ec;
  net::ip::address address = net::ip::make_address(host, ec);
  int port = -1;
  std::string port_text = listen.substr(colon + 1);
  if (!port_text.empty() && port_text.size() <= 5 &&
      port_text.find_first_not_of("0123456789") == std::string::npos) {
    port = std::stoi(port_text);
  }
  if (ec || port < 0 || port > 65535) {
    return Error::Invalid(fmt::format("listen address \"{}\": expected IP:port", listen));
  }
  return tcp::endpoint(address, static_cast<uint16_t>(port));
}

std::string Lowercased(std::string text) {
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

// A bound, listening acceptor on `ioc`, or "address:port: reason".
Result<std::shared_ptr<Acceptor>> Bind(net::io_context& ioc, const tcp::endpoint& endpoint) {
  auto acceptor = std::make_shared<Acceptor>(ioc);
  error_code ec;
  auto fail = [&](const error_code& error) {
    std::string address = endpoint.address().to_string();
    if (endpoint.address().is_v6()) address = "[" + address + "]";
    return Error::Unavailable(
        fmt::format("{}:{}: {}", address, endpoint.port(), Lowercased(error.message())));
  };
  if (acceptor->open(endpoint.protocol(), ec); ec) return fail(ec);
  // SO_REUSEADDR lets a restarted proxy bind while old connections sit in TIME_WAIT; unlike
  // SO_REUSEPORT it does not let two live listeners share a port, so "in use" stays visible.
  if (acceptor->set_option(Acceptor::reuse_address(true), ec); ec) return fail(ec);
  if (acceptor->bind(endpoint, ec); ec) return fail(ec);
  if (acceptor->listen(net::socket_base::max_listen_connections, ec); ec) return fail(ec);
  return acceptor;
}

void CloseAcceptor(const std::shared_ptr<Acceptor>& acceptor) {
  if (!acceptor) return;
  // Acceptors are not thread-safe: close on the thread that runs them.
  net::post(acceptor->get_executor(), [acceptor] {
    error_code ec;
    acceptor->close(ec);
  });
}

}  // namespace

struct Proxy::Impl {
  struct ServiceListener {
    uint16_t requested = 0;
    ListenerStatus status;
    std::shared_ptr<Acceptor> acceptor;  // null when binding failed
  };

  explicit Impl(const ProxyOptions& options) : shared(options) {}

  Worker& NextWorker() {
    return *workers[next_worker.fetch_add(1, std::memory_order_relaxed) % workers.size()];
  }

  // Hands an accepted socket to the next worker and starts its session there.
  void Dispatch(Socket accepted, Kind kind, const std::string& key) {
    Worker& worker = NextWorker();
    error_code ec;
    tcp::endpoint local = accepted.local_endpoint(ec);
    if (ec) return;
    auto protocol = local.protocol();
    int fd = accepted.release(ec);
    if (ec) return;
    net::post(worker.ioc, [this, &worker, fd, protocol, kind, key] {
      Socket socket(worker.ioc);
      error_code ec;
      socket.assign(protocol, fd, ec);
      if (ec) {
        ::close(fd);
        return;
      }
      switch (kind) {
        case Kind::kHttp:
          net::co_spawn(worker.ioc, ServeHttp(std::move(socket), shared, worker), net::detached);
          break;
        case Kind::kTcp:
          net::co_spawn(worker.ioc, ServeTcp(std::move(socket), shared, key), net::detached);
          break;
        case Kind::kMetrics:
          net::co_spawn(worker.ioc, ServeMetrics(std::move(socket), shared), net::detached);
          break;
      }
    });
  }

  Task<void> AcceptLoop(std::shared_ptr<Acceptor> acceptor, Kind kind, std::string key) {
    for (;;) {
      error_code ec;
      Socket socket = co_await acceptor->async_accept(net::redirect_error(kUseAwaitable, ec));
      if (!acceptor->is_open() || ec == net::error::operation_aborted) co_return;
      if (ec) {
        Log(LogLevel::kWarning, "proxy: accept failed: {}", ec.message());
        Timer pause(acceptor->get_executor(), kAcceptRetryDelay);
        co_await pause.async_wait(net::redirect_error(kUseAwaitable, ec));
        continue;
      }
      Dispatch(std::move(socket), kind, key);
    }
  }

  // Binds and starts accepting; the acceptor runs on the next worker.
  Result<std::shared_ptr<Acceptor>> Listen(const tcp::endpoint& endpoint, Kind kind,
                                           const std::string& key) {
    Worker& worker = NextWorker();
    Result<std::shared_ptr<Acceptor>> acceptor = Bind(worker.ioc, endpoint);
    if (!acceptor.ok()) return acceptor;
    net::co_spawn(worker.ioc, AcceptLoop(*acceptor, kind, key), net::detached);
    return acceptor;
  }

  // Per worker: expires session deadlines every kWatchTick, and closes pooled connections
  // that idled too long or lost their pod every sweep interval.
  Task<void> TickLoop(Worker& worker) {
    auto sweep_interval = std::clamp<Clock::duration>(shared.options.idle_timeout / 2,
                                                      kMinSweepInterval, kMaxSweepInterval);
    Clock::time_point next_sweep = Clock::now() + sweep_interval;
    Timer timer(worker.ioc);
    for (;;) {
      timer.expires_after(kWatchTick);
      error_code ec;
      co_await timer.async_wait(net::redirect_error(kUseAwaitable, ec));
      if (ec) co_return;
      Clock::time_point now = Clock::now();
      worker.watchdog.Tick(now);
      if (now < next_sweep) continue;
      next_sweep = now + sweep_interval;
      std::shared_ptr<const Snapshot> snapshot = shared.Current();
      if (snapshot) worker.pool.Sweep(snapshot->active_endpoints);
    }
  }

  void UpdateListeners(const RouteTable& table) {
    std::map<std::string, ServiceListener> next;
    std::lock_guard lock(status_mu);
    for (const ServiceRoute& route : table.services) {
      std::string key = route.Key();
      auto existing = listeners.find(key);
      if (existing != listeners.end() && existing->second.acceptor &&
          existing->second.requested == route.listen_port) {
        next[key] = std::move(existing->second);
        listeners.erase(existing);
        continue;
      }
      if (existing != listeners.end()) {
        CloseAcceptor(existing->second.acceptor);
        listeners.erase(existing);
      }
      ServiceListener& listener = next[key];
      listener.requested = route.listen_port;
      listener.status.service = key;
      listener.status.address = shared.options.service_bind_address;
      listener.status.port = route.listen_port;
      error_code ec;
      net::ip::address address = net::ip::make_address(shared.options.service_bind_address, ec);
      if (ec) {
        listener.status.error = fmt::format("bind address \"{}\": {}",
                                            shared.options.service_bind_address, ec.message());
        continue;
      }
      Result<std::shared_ptr<Acceptor>> acceptor =
          Listen(tcp::endpoint(address, route.listen_port), Kind::kTcp, key);
      if (!acceptor.ok()) {
        listener.status.error = acceptor.error().message();
        Log(LogLevel::kWarning, "proxy: Service {}: cannot listen: {}", key,
            acceptor.error().message());
        continue;
      }
      listener.acceptor = *acceptor;
      listener.status.port = (*acceptor)->local_endpoint(ec).port();
      listener.status.listening = true;
    }
    for (auto& [key, listener] : listeners) CloseAcceptor(listener.acceptor);
    listeners = std::move(next);
  }

  void Stop() {
    {
      std::lock_guard lock(status_mu);
      for (auto& [key, listener] : listeners) CloseAcceptor(listener.acceptor);
    }
    for (auto& worker : workers) worker->ioc.stop();
    for (auto& worker : workers) {
      if (worker->thread.joinable()) worker->thread.join();
    }
    // Acceptors belong to the workers' io_contexts: drop them first.
    listeners.clear();
    http_acceptor.reset();
    metrics_acceptor.reset();
    workers.clear();
  }

  Shared shared;  // first: outlives the workers and every session
  std::vector<std::unique_ptr<Worker>> workers;
  std::atomic<size_t> next_worker{0};
  std::shared_ptr<Acceptor> http_acceptor;
  std::shared_ptr<Acceptor> metrics_acceptor;
  uint16_t http_port = 0;
  uint16_t metrics_port = 0;
  std::mutex update_mu;  // one Update at a time
  mutable std::mutex status_mu;
  std::map<std::string, ServiceListener> listeners;  // guarded by status_mu
};

Proxy::Proxy(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Proxy::~Proxy() { impl_->Stop(); }

Result<std::unique_ptr<Proxy>> Proxy::Start(const ProxyOptions& options) {
  if (options.threads < 1) {
    return Error::Invalid(
        fmt::format("proxy threads: {} is not a positive number", options.threads));
  }
  auto impl = std::make_unique<Impl>(options);
  {
    std::lock_guard lock(impl->shared.snapshot_mu);
    impl->shared.snapshot =
        BuildSnapshot(RouteTable{}, impl->shared.endpoints, impl->shared.metrics);
  }
  for (int i = 0; i < options.threads; ++i) {
    impl->workers.push_back(std::make_unique<Worker>(options));
  }
  // From here on the Proxy owns the threads, so a failure below stops them in ~Proxy.
  Impl* raw = impl.get();
  std::unique_ptr<Proxy> proxy(new Proxy(std::move(impl)));
  for (auto& worker : raw->workers) {
    net::co_spawn(worker->ioc, raw->TickLoop(*worker), net::detached);
    Worker* w = worker.get();
    w->thread = std::thread([w] {
      auto guard = net::make_work_guard(w->ioc);
      while (!w->ioc.stopped()) {
        if (w->ioc.poll() > 0) continue;
        bool ran = false;
        for (int i = 0; i < kIdlePolls && !ran; ++i) ran = w->ioc.poll() > 0;
        if (!ran) w->ioc.run_one();
      }
    });
  }
  if (!options.http_listen.empty()) {
    Result<tcp::endpoint> endpoint = ParseListen(options.http_listen);
    if (!endpoint.ok()) return std::move(endpoint).error().Wrap("proxy HTTP listener");
    auto acceptor = raw->Listen(*endpoint, Kind::kHttp, "");
    if (!acceptor.ok()) return std::move(acceptor).error().Wrap("proxy HTTP listener");
    raw->http_acceptor = *acceptor;
    error_code ec;
    raw->http_port = (*acceptor)->local_endpoint(ec).port();
  }
  if (!options.metrics_listen.empty()) {
    Result<tcp::endpoint> endpoint = ParseListen(options.metrics_listen);
    if (!endpoint.ok()) return std::move(endpoint).error().Wrap("proxy metrics listener");
    auto acceptor = raw->Listen(*endpoint, Kind::kMetrics, "");
    if (!acceptor.ok()) return std::move(acceptor).error().Wrap("proxy metrics listener");
    raw->metrics_acceptor = *acceptor;
    error_code ec;
    raw->metrics_port = (*acceptor)->local_endpoint(ec).port();
  }
  return proxy;
}

void Proxy::Update(const RouteTable& table) {
  std::lock_guard lock(impl_->update_mu);
  std::shared_ptr<const Snapshot> snapshot =
      BuildSnapshot(table, impl_->shared.endpoints, impl_->shared.metrics);
  impl_->shared.endpoints.SetActive(snapshot->active_endpoints);
  {
    std::lock_guard snapshot_lock(impl_->shared.snapshot_mu);
    impl_->shared.snapshot = snapshot;
  }
  impl_->shared.generation.fetch_add(1, std::memory_order_release);
  impl_->UpdateListeners(table);
}

uint16_t Proxy::http_port() const { return impl_->http_port; }
uint16_t Proxy::metrics_port() const { return impl_->metrics_port; }

std::vector<ListenerStatus> Proxy::Listeners() const {
  std::lock_guard lock(impl_->status_mu);
  std::vector<ListenerStatus> out;
  for (const auto& [key, listener] : impl_->listeners) out.push_back(listener.status);
  return out;
}

std::optional<ListenerStatus> Proxy::Status(const std::string& service_key) const {
  std::lock_guard lock(impl_->status_mu);
  auto it = impl_->listeners.find(service_key);
  if (it == impl_->listeners.end()) return std::nullopt;
  return it->second.status;
}

size_t Proxy::InFlight(const std::string& address_port) const {
  return impl_->shared.endpoints.InFlight(address_port);
}

bool Proxy::WaitDrained(const std::string& address_port, std::chrono::milliseconds timeout) const {
  auto deadline = Clock::now() + timeout;
  while (InFlight(address_port) > 0) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(kDrainPoll);
  }
  return true;
}

std::string Proxy::MetricsText() const { return impl_->shared.metrics.Text(); }

}  // namespace capstan::target::local::proxy
