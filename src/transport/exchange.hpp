// One HTTP request's run over the client's connections: open (resolve,
// connect with retries, CONNECT tunnel, TLS handshake: exchange_open.cpp),
// then write and read under per-step deadlines (exchange.cpp). Private to
// transport: Beast is in here.
#pragma once

#include "transport/client_state.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/parser.hpp>

namespace ascep::transport::detail {

// The deadline a step runs under: its own, or the operation's when that is sooner.
struct budget {
    clock_type::time_point at;
    deadline which;
    milliseconds length;
};

// How one attempt on one connection ended.
enum class attempt { done, stale };

// Errors that mean "the peer went away", as opposed to garbage or a timeout.
bool is_disconnect(const error_code& ec);

// One request's state: what it is sending, its deadlines, what it learnt.
// Lives in async_request's frame; every member coroutine runs inside it.
class exchange {
public:
    // `proxy` is the proxy this request goes through, or null.
    exchange(client_state& client, const url& target, const proxy_spec* proxy, request_message& msg,
             diagnostics& diag);

    // Lifetimes: *this (and what the constructor got) must outlive the call.
    asio::awaitable<boost::system::result<response>> async_run();

private:
    budget step(deadline which, milliseconds length) const;
    error_code timed_out(const budget& b, errc step_error);

    bool is_tls() const { return target_.scheme == scheme::https; }
    const std::string& connect_host() const { return proxy_ ? proxy_->host : target_.host; }
    std::uint16_t connect_port() const { return proxy_ ? proxy_->port : target_.port; }

    // Resolve and connect, retrying for opts_.connect_retry with backoff;
    // then, for https://, the CONNECT tunnel (through a proxy) and the TLS
    // handshake, which are not retried: a refusal there is an answer.
    // Lifetimes: *this and `out` must outlive the call.
    asio::awaitable<error_code> async_open(std::unique_ptr<connection>& out);
    // Lifetimes: *this and `out` must outlive the call.
    asio::awaitable<error_code> async_open_tcp(std::unique_ptr<connection>& out);
    // One resolve and connect under the resolve and connect deadlines.
    // Lifetimes: *this and `out` must outlive the call.
    asio::awaitable<error_code> async_open_once(std::unique_ptr<connection>& out);
    // CONNECT host:port through the proxy on the plain connection. 2xx opens
    // the tunnel; 407 is proxy_auth_required; any other answer proxy_tunnel_failed.
    // Lifetimes: *this and `conn` must outlive the call.
    asio::awaitable<error_code> async_tunnel(connection& conn);
    // The TLS handshake: SNI for host names, the certificate checked against
    // the trust anchors and for the URL's host (name or IP address).
    // Lifetimes: *this and `conn` must outlive the call.
    asio::awaitable<error_code> async_handshake(connection& conn);
    // Asio cannot cancel one getaddrinfo, so the lookup runs detached and we
    // wait for it on a timer of our own; on timeout its result is dropped.
    // Lifetimes: *this and `out` must outlive the call.
    asio::awaitable<error_code> async_resolve(std::vector<tcp::endpoint>& out);

    // Lifetimes: *this, `conn`, `res`, `out_ec` and `keep` must outlive the call.
    asio::awaitable<attempt> async_attempt(connection& conn, response& res, error_code& out_ec, bool& keep);
    // Writes the request and reads the response on `stream` (conn's plain or
    // TLS stream). Returns stale when the connection turned out closed before
    // any response byte arrived. `keep` says whether the connection may go
    // back to the pool. Defined in exchange.cpp, its only user.
    // Lifetimes: *this, `stream`, `conn`, `res`, `out_ec` and `keep` must outlive the call.
    template <typename Stream>
    asio::awaitable<attempt> async_attempt_on(Stream& stream, connection& conn, response& res, error_code& out_ec,
                                              bool& keep);
    // An empty error_code means "stale": closed before any response byte.
    error_code read_error(const error_code& ec, const budget& rb, const connection& conn,
                          const http::response_parser<body_type>& parser);
    error_code status_error(const http::response<body_type>& msg);

    client_state& client_;
    const client_options& opts_;
    const url& target_;
    const proxy_spec* proxy_;
    request_message& msg_;
    diagnostics& diag_;
    milliseconds op_length_;
    clock_type::time_point op_deadline_;
    std::string key_;
};

} // namespace ascep::transport::detail
