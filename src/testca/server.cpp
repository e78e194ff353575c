#include "testca/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace ascep::testca {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

using body_type = http::vector_body<std::uint8_t>;

http::response<body_type> to_response(const http_reply& r, unsigned version, bool keep_alive)
{
    http::response<body_type> res{static_cast<http::status>(r.status), version};
    res.set(http::field::server, "ascep-testca");
    res.set(http::field::content_type, r.content_type);
    res.body() = r.body;
    res.keep_alive(keep_alive);
    res.prepare_payload();
    return res;
}

asio::awaitable<void> session(beast::tcp_stream stream, service& svc, std::ostream& log, server_limits limits)
{
    beast::flat_buffer buffer;
    for (;;) {
        http::request_parser<body_type> parser;
        parser.body_limit(limits.max_body);
        parser.header_limit(static_cast<std::uint32_t>(limits.max_header));
        stream.expires_after(limits.idle);
        auto [ec, n] = co_await http::async_read(stream, buffer, parser, use_tuple);
        if (ec) {
            // A malformed or oversized request gets a reason; a closed or
            // idle connection just ends.
            if (ec.category() == http::make_error_code(http::error::end_of_stream).category() &&
                ec != http::error::end_of_stream &&
                ec != http::error::partial_message) {
                const bool too_big = ec == http::error::body_limit || ec == http::error::header_limit;
                const http_reply r{too_big ? 413u : 400u, "text/plain",
                                   std::vector<std::uint8_t>{}, ""};
                auto res = to_response(r, 11, false);
                const std::string text = "bad HTTP request: " + ec.message() + "\n";
                res.body().assign(text.begin(), text.end());
                res.prepare_payload();
                log << "- " << r.status << " " << ec.message() << std::endl;
                stream.expires_after(limits.idle);
                co_await http::async_write(stream, res, use_tuple);
            }
            break;
        }
        auto req = parser.release();
        const auto reply = svc.handle(req.method_string(), req.target(), req.body(), std::chrono::system_clock::now());
        log << reply.log << std::endl;
        const bool keep_alive = req.keep_alive() && reply.status < 400;
        auto res = to_response(reply, req.version(), keep_alive);
        stream.expires_after(limits.idle);
        auto [wec, wn] = co_await http::async_write(stream, res, use_tuple);
        if (wec || !keep_alive)
            break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

} // namespace

asio::awaitable<void> async_serve(tcp::acceptor& acceptor, service& svc, std::ostream& log, server_limits limits)
{
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
        if (ec) {
            if (ec == asio::error::operation_aborted || !acceptor.is_open())
                co_return;
            // EMFILE and friends: keep serving the connections we have, and
            // do not spin while the condition lasts.
            asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(100));
            co_await pause.async_wait(use_tuple);
            continue;
        }
        asio::co_spawn(acceptor.get_executor(), session(beast::tcp_stream(std::move(socket)), svc, log, limits),
                       asio::detached);
    }
}

} // namespace ascep::testca
