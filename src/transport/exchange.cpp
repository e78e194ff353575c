// exchange: one request on a connection, from the pool or new, under its
// deadlines: write, read (interim 1xx skipped, body capped), and what the
// status means; one fresh retry when a kept-alive connection turns out
// closed before any response byte. Opening connections is exchange_open.cpp.
#include "transport/exchange.hpp"
#include "transport/retry_after.hpp"

#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace ascep::transport::detail {

bool is_disconnect(const error_code& ec)
{
    // A TLS peer that closes without close_notify gives stream_truncated.
    return ec == http::error::end_of_stream || ec == http::error::partial_message || ec == asio::error::eof ||
           ec == asio::error::connection_reset || ec == asio::error::connection_aborted ||
           ec == asio::error::broken_pipe || ec == asio::error::not_connected ||
           ec == asio::ssl::error::stream_truncated;
}

exchange::exchange(client_state& client, const url& target, const proxy_spec* proxy, request_message& msg,
                   diagnostics& diag)
    : client_(client), opts_(client.opts), target_(target), proxy_(proxy), msg_(msg), diag_(diag),
      op_length_(opts_.timeouts.operation + opts_.connect_retry), op_deadline_(clock_type::now() + op_length_)
{
    key_ = (proxy_ ? proxy_->authority() : std::string()) + "|" + (is_tls() ? "https" : "http") + "|" +
           target_.authority();
}

asio::awaitable<boost::system::result<response>> exchange::async_run()
{
    bool allow_reuse = true;
    for (;;) {
        std::unique_ptr<connection> conn;
        if (allow_reuse)
            conn = client_.take_idle(key_);
        const bool reused = conn != nullptr;
        if (!conn) {
            const auto ec = co_await async_open(conn);
            if (ec)
                co_return ec;
        }
        diag_.peer = conn->peer;
        diag_.reused_connection = reused;

        response res;
        error_code ec;
        bool keep = false;
        const auto how = co_await async_attempt(*conn, res, ec, keep);
        if (keep)
            client_.give_back(key_, std::move(conn));
        if (how == attempt::stale && reused) {
            // The server closed the idle connection under us before sending
            // anything: nothing was processed, so one fresh try is safe.
            allow_reuse = false;
            diag_.retried_stale_connection = true;
            continue;
        }
        if (how == attempt::stale) {
            diag_.detail = "connection closed without a response";
            co_return make_error_code(errc::connection_closed);
        }
        if (ec)
            co_return ec;
        co_return res;
    }
}

budget exchange::step(deadline which, milliseconds length) const
{
    const auto at = clock_type::now() + length;
    if (op_deadline_ <= at)
        return {op_deadline_, deadline::operation, op_length_};
    return {at, which, length};
}

error_code exchange::timed_out(const budget& b, errc step_error)
{
    diag_.deadline = b.which;
    diag_.deadline_duration = b.length;
    return make_error_code(b.which == deadline::operation ? errc::operation_timeout : step_error);
}

template <typename Stream>
asio::awaitable<attempt> exchange::async_attempt_on(Stream& stream, connection& conn, response& res,
                                                    error_code& out_ec, bool& keep)
{
    const auto wb = step(deadline::write, opts_.timeouts.write);
    conn.tcp().expires_at(wb.at);
    const auto [wec, written] = co_await http::async_write(stream, msg_, use_tuple);
    (void)written;
    if (wec == beast::error::timeout) {
        out_ec = timed_out(wb, errc::write_timeout);
        co_return attempt::done;
    }
    if (wec) {
        if (is_disconnect(wec))
            co_return attempt::stale;
        diag_.detail = wec.message();
        out_ec = make_error_code(errc::connection_closed);
        co_return attempt::done;
    }

    const auto rb = step(deadline::read, opts_.timeouts.read);
    conn.tcp().expires_at(rb.at);
    std::optional<http::response_parser<body_type>> parser;
    for (;;) {
        parser.emplace();
        parser->body_limit(opts_.max_body);
        const auto [rec, n] = co_await http::async_read(stream, conn.buffer, *parser, use_tuple);
        (void)n;
        if (rec) {
            out_ec = read_error(rec, rb, conn, *parser);
            co_return out_ec ? attempt::done : attempt::stale;
        }
        const auto status = parser->get().result_int();
        // Interim responses (100 Continue, 102, 103) precede the real one.
        if (status >= 100 && status < 200 && status != 101)
            continue;
        break;
    }
    conn.tcp().expires_never();

    auto& msg = parser->get();
    diag_.http_status = msg.result_int();
    diag_.reason = std::string(msg.reason());
    keep = msg.keep_alive() && conn.buffer.size() == 0;
    out_ec = status_error(msg);
    if (!out_ec) {
        res.status = msg.result_int();
        res.content_type = std::string(msg[http::field::content_type]);
        res.body = std::move(msg.body());
    }
    co_return attempt::done;
}

asio::awaitable<attempt> exchange::async_attempt(connection& conn, response& res, error_code& out_ec,
                                                 bool& keep)
{
    if (conn.tls) {
        const auto how = co_await async_attempt_on(*conn.tls, conn, res, out_ec, keep);
        co_return how;
    }
    const auto how = co_await async_attempt_on(*conn.plain, conn, res, out_ec, keep);
    co_return how;
}

error_code exchange::read_error(const error_code& ec, const budget& rb, const connection& conn,
                                const http::response_parser<body_type>& parser)
{
    if (ec == beast::error::timeout)
        return timed_out(rb, errc::read_timeout);
    if (ec == http::error::body_limit) {
        diag_.body_limit = opts_.max_body;
        if (parser.is_header_done())
            diag_.http_status = parser.get().result_int();
        return make_error_code(errc::body_too_large);
    }
    if (is_disconnect(ec)) {
        if (!parser.got_some() && conn.buffer.size() == 0)
            return {};
        diag_.detail = ec.message();
        return make_error_code(errc::connection_closed);
    }
    diag_.detail = ec.message();
    if (ec.category() == make_error_code(http::error::bad_version).category())
        return make_error_code(errc::bad_response);
    return make_error_code(errc::connection_closed);
}

error_code exchange::status_error(const http::response<body_type>& msg)
{
    const auto status = msg.result_int();
    if (status >= 200 && status < 300)
        return {};
    if (status >= 300 && status < 400) {
        diag_.location = std::string(msg[http::field::location]);
        return make_error_code(errc::redirect);
    }
    // Inside a CONNECT tunnel a 407 comes from the target, not the proxy.
    // A 401 after we sent proxy credentials is most likely the proxy
    // refusing them (tinyproxy 1.11 does so); describe() says both.
    if (proxy_ && !is_tls() && (status == 407 || (status == 401 && proxy_->has_credentials())))
        return make_error_code(errc::proxy_auth_required);
    if (status == 503 || status == 429)
        diag_.retry_after = parse_retry_after(msg[http::field::retry_after], std::chrono::system_clock::now());
    return make_error_code(errc::http_status);
}

} // namespace ascep::transport::detail
