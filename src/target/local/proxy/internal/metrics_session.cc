// The optional own /metrics listener: one small request per connection at a time.
#include <utility>
// <utility> before Boost: 1.74's awaitable.hpp uses std::exchange without including it.

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>
#include <exception>

#include "core/log.h"
#include "target/local/proxy/internal/runtime.h"

namespace capstan::target::local::proxy::internal {

Task<void> ServeMetrics(Socket socket, Shared& shared) {
  namespace http = beast::http;
  try {
    Stream client(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::empty_body> req;
      beast::error_code ec;
      client.expires_after(shared.options.idle_timeout);
      co_await http::async_read(client, buffer, req, net::redirect_error(kUseAwaitable, ec));
      if (ec) co_return;
      http::response<http::string_body> res{http::status::ok, req.version()};
      std::string_view target(req.target().data(), req.target().size());
      if (target.substr(0, target.find('?')) == "/metrics") {
        res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
        res.body() = shared.metrics.Text();
      } else {
        res.result(http::status::not_found);
        res.body() = "404 Not Found: the proxy serves /metrics only\n";
      }
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      co_await http::async_write(client, res, net::redirect_error(kUseAwaitable, ec));
      if (ec || !req.keep_alive()) co_return;
    }
  } catch (const std::exception& e) {
    Log(LogLevel::kWarning, "proxy: metrics connection failed: {}", e.what());
  }
}

}  // namespace capstan::target::local::proxy::internal
