// The http_client's private state: a connection (plain, or TLS over it), the
// pool of idle kept-alive connections and the TLS context. Beast and Asio
// ssl are in here, so only transport's own .cpp files include it.
#pragma once

#include "transport/http_client.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/vector_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ascep::transport::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;
using boost::system::error_code;
using std::chrono::milliseconds;

inline constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

using body_type = http::vector_body<std::uint8_t>;
using request_message = http::request<body_type>;

using tls_stream = beast::ssl_stream<beast::tcp_stream>;

// A connection is plain until a TLS handshake moves its TCP stream into `tls`.
struct connection {
    explicit connection(const asio::any_io_executor& ex) : plain(std::in_place, ex) {}
    std::optional<beast::tcp_stream> plain;
    std::optional<tls_stream> tls;
    beast::flat_buffer buffer;
    std::string peer;

    // The TCP layer, where the deadlines are set.
    beast::tcp_stream& tcp() { return tls ? tls->next_layer() : *plain; }
};

// What the client owns: options, the TLS context (made at the first https://
// request) and the pool of idle kept-alive connections, keyed by
// "proxy|scheme|host:port".
struct client_state {
    client_state(asio::any_io_executor e, client_options o) : ex(std::move(e)), opts(std::move(o)) {}

    asio::any_io_executor ex;
    client_options opts;
    std::map<std::string, std::vector<std::unique_ptr<connection>>> idle;
    std::optional<asio::ssl::context> tls_ctx;
    // Why the context could not be made; reported for every https:// request.
    std::string tls_setup_error;

    // The TLS context: TLS 1.2 or newer, peer verification against the
    // configured trust anchors or the system store. Null when the trust
    // anchors cannot be loaded (tls_setup_error says why).
    asio::ssl::context* tls_context();

    // An idle connection for `key`, or null.
    std::unique_ptr<connection> take_idle(const std::string& key);
    // Pools `c` for `key`, unless opts.max_idle_per_host are pooled already.
    void give_back(const std::string& key, std::unique_ptr<connection> c);
};

// "Basic base64(user:password)": the Proxy-Authorization value for `proxy`.
std::string basic_proxy_authorization(const proxy_spec& proxy);

} // namespace ascep::transport::detail
