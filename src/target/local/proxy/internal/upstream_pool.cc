#include <utility>
// <utility> before Boost: 1.74's awaitable.hpp uses std::exchange without including it.

#include <sys/socket.h>

#include <cerrno>

#include "target/local/proxy/internal/runtime.h"

namespace capstan::target::local::proxy::internal {
namespace {

// Idle time below which a pooled connection is reused without checking it is still open.
constexpr auto kTrustIdle = std::chrono::seconds(1);

// Whether the pod closed the connection (or sent something unasked) while it sat idle.
// Catching this before reuse avoids most "stale keep-alive" failures.
bool ClosedByPeer(Upstream& upstream) {
  auto& socket = upstream.stream;
  if (!socket.is_open() || upstream.buffer.size() > 0) return true;
  char byte;
  ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return !(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
}

}  // namespace

std::unique_ptr<Upstream> UpstreamPool::Take(const std::string& key) {
  auto it = idle_.find(key);
  if (it == idle_.end()) return nullptr;
  auto& idle = it->second;
  Clock::time_point now = Clock::now();
  while (!idle.empty()) {
    std::unique_ptr<Upstream> upstream = std::move(idle.back());
    idle.pop_back();
    Clock::duration idle_for = now - upstream->idle_since;
    // A connection idle only briefly is taken on trust (a peek costs a system call per
    // request); a bodiless request on a connection that turns out closed is retried.
    if (idle_for < idle_timeout_ && (idle_for < kTrustIdle || !ClosedByPeer(*upstream))) {
      upstream->reused = true;
      return upstream;
    }
  }
  return nullptr;
}

void UpstreamPool::Put(const std::string& key, std::unique_ptr<Upstream> upstream) {
  auto& idle = idle_[key];
  if (idle.size() >= max_per_endpoint_) return;  // closes it
  upstream->idle_since = Clock::now();
  idle.push_back(std::move(upstream));
}

void UpstreamPool::Sweep(const std::set<std::string>& active) {
  Clock::time_point now = Clock::now();
  for (auto it = idle_.begin(); it != idle_.end();) {
    auto& idle = it->second;
    if (active.count(it->first) == 0) {
      idle.clear();
    } else {
      std::erase_if(idle, [&](const std::unique_ptr<Upstream>& upstream) {
        return now - upstream->idle_since >= idle_timeout_;
      });
    }
    it = idle.empty() ? idle_.erase(it) : std::next(it);
  }
}

}  // namespace capstan::target::local::proxy::internal
