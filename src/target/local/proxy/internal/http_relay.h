// Streaming one HTTP message from one connection to another through a fixed buffer (the
// body never sits whole in memory). Used by http_session.cc for requests and responses.
#pragma once

#include <utility>
// <utility> before Boost: 1.74's awaitable.hpp uses std::exchange without including it.

#include <boost/asio/redirect_error.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <limits>
#include <string_view>

#include "target/local/proxy/internal/runtime.h"

namespace capstan::target::local::proxy::internal {

namespace http = beast::http;

// Body bytes moved per read/write. Bodies of any size stream through this one buffer.
inline constexpr size_t kBodyChunk = 32 * 1024;
// Bodies are streamed, so their size is not limited. (boost::none would say so, but Beast
// 1.74 compares a Content-Length against an empty optional as exceeding it.)
inline constexpr uint64_t kNoBodyLimit = std::numeric_limits<uint64_t>::max();
inline std::string_view View(beast::string_view text) { return {text.data(), text.size()}; }

inline void SetPiece(http::buffer_body::value_type& body, char* chunk, size_t n, bool done) {
  body.data = n > 0 ? chunk : nullptr;
  body.size = n;
  body.more = !done;
}

enum class Relayed { kOk, kReadFailed, kWriteFailed };

// Streams a message whose header `parser` has read from `in` on to `out`, its body through
// `chunk` (kBodyChunk bytes). Body bytes that arrived with the header leave with it in one
// write; a body still on its way does not hold the header back. Sets *body_read once any
// body byte was consumed from `in`.
template <bool isRequest, class In, class Out>
Task<Relayed> Relay(http::parser<isRequest, http::buffer_body>& parser, In& in,
                    beast::flat_buffer& in_buffer, Out& out, char* chunk, Watch& watch,
                    std::chrono::milliseconds idle, bool* body_read) {
  auto& body = parser.get().body();
  http::serializer<isRequest, http::buffer_body> serializer{parser.get()};
  beast::error_code ec;
  auto token = net::redirect_error(kUseAwaitable, ec);
  body.data = chunk;
  body.size = kBodyChunk;
  while (!parser.is_done() && in_buffer.size() > 0 && body.size > 0) {
    size_t used = parser.put(in_buffer.data(), ec);
    in_buffer.consume(used);
    if (ec == http::error::need_buffer || ec == http::error::need_more) {
      ec = {};
      break;
    }
    if (ec) co_return Relayed::kReadFailed;
    if (used == 0) break;
  }
  size_t n = kBodyChunk - body.size;
  if (n > 0 && body_read != nullptr) *body_read = true;
  SetPiece(body, chunk, n, parser.is_done());
  for (;;) {
    watch.Arm(idle);
    co_await http::async_write(out, serializer, token);
    if (ec == http::error::need_buffer) ec = {};
    if (ec) co_return Relayed::kWriteFailed;
    if (serializer.is_done()) co_return Relayed::kOk;
    if (parser.is_done()) {
      SetPiece(body, chunk, 0, true);
      continue;
    }
    // Only framing read (a chunk header) gives no bytes; a zero-size piece would be written
    // as the last chunk, so read on until there are bytes or the body ends.
    do {
      body.data = chunk;
      body.size = kBodyChunk;
      watch.Arm(idle);
      co_await http::async_read_some(in, in_buffer, parser, token);
      if (ec == http::error::need_buffer) ec = {};
      if (ec) co_return Relayed::kReadFailed;
      n = kBodyChunk - body.size;
    } while (n == 0 && !parser.is_done());
    if (n > 0 && body_read != nullptr) *body_read = true;
    SetPiece(body, chunk, n, parser.is_done());
  }
}

}  // namespace capstan::target::local::proxy::internal
