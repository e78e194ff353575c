// exchange: opening a connection. Resolve (on a timer of our own: Asio cannot
// cancel getaddrinfo), connect with -W's retries and backoff, then for
// https:// the CONNECT tunnel through a proxy and the TLS handshake with its
// certificate and host checks.
#include "transport/exchange.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>

namespace ascep::transport::detail {
namespace {

std::string endpoint_text(const tcp::endpoint& ep)
{
    const auto addr = ep.address().to_string();
    return (ep.address().is_v6() ? "[" + addr + "]" : addr) + ":" + std::to_string(ep.port());
}

} // namespace

asio::awaitable<error_code> exchange::async_open(std::unique_ptr<connection>& out)
{
    const auto ec = co_await async_open_tcp(out);
    if (ec || !is_tls())
        co_return ec;
    if (proxy_) {
        const auto tec = co_await async_tunnel(*out);
        if (tec) {
            out.reset();
            co_return tec;
        }
    }
    const auto hec = co_await async_handshake(*out);
    if (hec)
        out.reset();
    co_return hec;
}

asio::awaitable<error_code> exchange::async_open_tcp(std::unique_ptr<connection>& out)
{
    const auto retry_until = clock_type::now() + opts_.connect_retry;
    milliseconds backoff{250};
    for (;;) {
        ++diag_.connect_attempts;
        const auto ec = co_await async_open_once(out);
        if (!ec)
            co_return ec;
        const bool retryable = ec == errc::connect_failed || ec == errc::connect_timeout ||
                               ec == errc::resolve_failed || ec == errc::resolve_timeout;
        const auto now = clock_type::now();
        if (!retryable || now >= retry_until)
            co_return ec;
        const auto wait = std::min<clock_type::duration>({backoff, retry_until - now, op_deadline_ - now});
        if (wait <= clock_type::duration::zero())
            co_return ec;
        asio::steady_timer timer(client_.ex, wait);
        const auto [wait_ec] = co_await timer.async_wait(use_tuple);
        if (wait_ec)
            co_return wait_ec;
        backoff = std::min(backoff * 2, milliseconds(5000));
        diag_.deadline = deadline::none;
        diag_.deadline_duration = {};
        diag_.detail.clear();
    }
}

asio::awaitable<error_code> exchange::async_open_once(std::unique_ptr<connection>& out)
{
    std::vector<tcp::endpoint> endpoints;
    const auto rec = co_await async_resolve(endpoints);
    if (rec)
        co_return rec;

    auto conn = std::make_unique<connection>(client_.ex);
    const auto b = step(deadline::connect, opts_.timeouts.connect);
    conn->plain->expires_at(b.at);
    diag_.peer = endpoint_text(endpoints.front());
    const auto [ec, ep] = co_await conn->plain->async_connect(endpoints, use_tuple);
    if (ec == beast::error::timeout)
        co_return timed_out(b, errc::connect_timeout);
    if (ec) {
        diag_.detail = ec.message();
        co_return make_error_code(errc::connect_failed);
    }
    conn->plain->expires_never();
    conn->peer = endpoint_text(ep);
    diag_.peer = conn->peer;
    error_code ignored;
    conn->plain->socket().set_option(tcp::no_delay(true), ignored);
    out = std::move(conn);
    co_return error_code{};
}

asio::awaitable<error_code> exchange::async_tunnel(connection& conn)
{
    http::request<http::empty_body> req{http::verb::connect, target_.authority(), 11};
    req.set(http::field::host, target_.authority());
    if (!opts_.user_agent.empty())
        req.set(http::field::user_agent, opts_.user_agent);
    if (proxy_->has_credentials())
        req.set(http::field::proxy_authorization, basic_proxy_authorization(*proxy_));

    const auto wb = step(deadline::write, opts_.timeouts.write);
    conn.plain->expires_at(wb.at);
    const auto [wec, written] = co_await http::async_write(*conn.plain, req, use_tuple);
    (void)written;
    if (wec == beast::error::timeout)
        co_return timed_out(wb, errc::write_timeout);
    if (wec) {
        diag_.detail = "proxy closed the connection: " + wec.message();
        co_return make_error_code(errc::connection_closed);
    }

    const auto rb = step(deadline::read, opts_.timeouts.read);
    conn.plain->expires_at(rb.at);
    // A 2xx answer to CONNECT has no body, whatever its headers say; the
    // body of a refusal is not needed either (the connection is dropped).
    http::response_parser<http::empty_body> parser;
    parser.skip(true);
    const auto [rec, n] = co_await http::async_read(*conn.plain, conn.buffer, parser, use_tuple);
    (void)n;
    if (rec == beast::error::timeout)
        co_return timed_out(rb, errc::read_timeout);
    if (rec) {
        diag_.detail = rec.message();
        if (rec.category() == make_error_code(http::error::bad_version).category() && !is_disconnect(rec))
            co_return make_error_code(errc::bad_response);
        co_return make_error_code(errc::connection_closed);
    }
    conn.plain->expires_never();
    const auto& msg = parser.get();
    diag_.http_status = msg.result_int();
    diag_.reason = std::string(msg.reason());
    // tinyproxy 1.11 answers wrong credentials with 401, missing ones with 407.
    if (msg.result_int() == 407 || (msg.result_int() == 401 && proxy_->has_credentials()))
        co_return make_error_code(errc::proxy_auth_required);
    if (msg.result_int() < 200 || msg.result_int() >= 300)
        co_return make_error_code(errc::proxy_tunnel_failed);
    if (conn.buffer.size() != 0) {
        // The server speaks only after our ClientHello: bytes now are not TLS.
        diag_.detail = "data after the proxy's CONNECT answer";
        co_return make_error_code(errc::bad_response);
    }
    diag_.http_status = 0;
    diag_.reason.clear();
    co_return error_code{};
}

asio::awaitable<error_code> exchange::async_handshake(connection& conn)
{
    auto* ctx = client_.tls_context();
    if (ctx == nullptr) {
        diag_.detail = client_.tls_setup_error;
        co_return make_error_code(errc::tls_setup_failed);
    }
    conn.tls.emplace(std::move(*conn.plain), *ctx);
    conn.plain.reset();
    SSL* ssl = conn.tls->native_handle();
    error_code addr_ec;
    (void)asio::ip::make_address(target_.host, addr_ec);
    const bool ip_literal = !addr_ec;
    // RFC 6066: SNI carries host names only, never addresses.
    if (!ip_literal && SSL_set_tlsext_host_name(ssl, target_.host.c_str()) != 1) {
        diag_.detail = "cannot set SNI to '" + target_.host + "'";
        co_return make_error_code(errc::tls_handshake_failed);
    }
    if (!opts_.tls.insecure) {
        X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        const int ok = ip_literal ? X509_VERIFY_PARAM_set1_ip_asc(param, target_.host.c_str())
                                  : X509_VERIFY_PARAM_set1_host(param, target_.host.c_str(), 0);
        if (ok != 1) {
            diag_.detail = "cannot check the certificate for '" + target_.host + "'";
            co_return make_error_code(errc::tls_handshake_failed);
        }
    }

    const auto hb = step(deadline::handshake, opts_.timeouts.handshake);
    conn.tcp().expires_at(hb.at);
    const auto [ec] = co_await conn.tls->async_handshake(asio::ssl::stream_base::client, use_tuple);
    if (ec == beast::error::timeout)
        co_return timed_out(hb, errc::handshake_timeout);
    if (ec) {
        const auto verify = SSL_get_verify_result(ssl);
        if (verify != X509_V_OK) {
            diag_.detail = std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify);
            if (verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH)
                diag_.detail += " (the certificate is not for '" + target_.host + "')";
        } else if (is_disconnect(ec)) {
            diag_.detail = "the server closed the connection during the handshake";
        } else {
            diag_.detail = ec.message();
        }
        co_return make_error_code(errc::tls_handshake_failed);
    }
    conn.tcp().expires_never();
    co_return error_code{};
}

asio::awaitable<error_code> exchange::async_resolve(std::vector<tcp::endpoint>& out)
{
    const auto& host = connect_host();
    const auto port = connect_port();
    error_code aec;
    const auto addr = asio::ip::make_address(host, aec);
    if (!aec) {
        out.emplace_back(addr, port);
        co_return error_code{};
    }

    struct lookup {
        explicit lookup(const asio::any_io_executor& ex) : resolver(ex), timer(ex) {}
        tcp::resolver resolver;
        asio::steady_timer timer;
        error_code ec;
        tcp::resolver::results_type results;
        bool done = false;
    };
    auto state = std::make_shared<lookup>(client_.ex);
    const auto b = step(deadline::resolve, opts_.timeouts.resolve);
    state->timer.expires_at(b.at);
    state->resolver.async_resolve(host, std::to_string(port),
                                  [state](const error_code& ec, tcp::resolver::results_type results) {
                                      state->ec = ec;
                                      state->results = std::move(results);
                                      state->done = true;
                                      state->timer.cancel();
                                  });
    co_await state->timer.async_wait(use_tuple);
    if (!state->done)
        co_return timed_out(b, errc::resolve_timeout);
    if (state->ec || state->results.empty()) {
        diag_.detail = state->ec ? state->ec.message() : std::string("no addresses");
        co_return make_error_code(errc::resolve_failed);
    }
    for (const auto& entry : state->results)
        out.push_back(entry.endpoint());
    co_return error_code{};
}

} // namespace ascep::transport::detail
