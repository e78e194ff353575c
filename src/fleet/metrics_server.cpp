// The scrape endpoint: one accept loop and one coroutine per connection on
// the fleet's io_context. Keep-alive, as Prometheus uses it; each read and
// write has a deadline so that an idle or stuck scraper costs nothing.
#include "fleet/metrics_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <list>

namespace ascep::fleet {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct metrics_server::impl : std::enable_shared_from_this<impl> {
    impl(asio::io_context& ioc, std::function<std::string()> r) : ioc(ioc), acceptor(ioc), waiter(ioc), render(std::move(r)) {}

    asio::io_context& ioc;
    tcp::acceptor acceptor;
    asio::steady_timer waiter;
    std::function<std::string()> render;
    std::list<std::shared_ptr<beast::tcp_stream>> connections;
    std::function<void()> after_scrape;
    std::uint64_t scrapes = 0;
    bool stopped = false;

    void scraped()
    {
        ++scrapes;
        if (auto then = std::exchange(after_scrape, nullptr)) {
            waiter.cancel();
            then();
        }
    }

    http::response<http::string_body> answer(const http::request<http::string_body>& req)
    {
        http::response<http::string_body> res;
        res.version(req.version());
        res.keep_alive(req.keep_alive());
        res.set(http::field::server, "ascep");
        const auto target = req.target();
        const auto path = target.substr(0, target.find('?'));
        if (req.method() != http::verb::get) {
            res.result(http::status::method_not_allowed);
            res.set(http::field::allow, "GET");
        } else if (path != "/metrics" && path != "/") {
            res.result(http::status::not_found);
            res.set(http::field::content_type, "text/plain; charset=utf-8");
            res.body() = "not found: the metrics are at /metrics\n";
        } else {
            res.result(http::status::ok);
            res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
            res.body() = render();
        }
        res.prepare_payload();
        return res;
    }

    asio::awaitable<void> serve(std::shared_ptr<beast::tcp_stream> stream)
    {
        const auto self = shared_from_this();
        const auto it = connections.insert(connections.end(), stream);
        beast::flat_buffer buffer;
        while (!stopped) {
            http::request<http::string_body> req;
            stream->expires_after(std::chrono::seconds(60));
            const auto [read_error, n] = co_await http::async_read(*stream, buffer, req, asio::as_tuple(asio::use_awaitable));
            if (read_error || stopped)
                break;
            auto res = answer(req);
            const bool metrics = res.result() == http::status::ok;
            stream->expires_after(std::chrono::seconds(30));
            const auto [write_error, m] = co_await http::async_write(*stream, res, asio::as_tuple(asio::use_awaitable));
            if (write_error)
                break;
            if (metrics)
                scraped();
            if (!res.keep_alive())
                break;
        }
        boost::system::error_code ignored;
        stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream->close();
        connections.erase(it);
    }

    asio::awaitable<void> accept_loop()
    {
        const auto self = shared_from_this();
        while (!stopped) {
            auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
            if (stopped)
                break;
            if (ec)
                continue; // EMFILE and the like: the next accept may succeed
            asio::co_spawn(ioc, serve(std::make_shared<beast::tcp_stream>(std::move(socket))), asio::detached);
        }
    }
};

metrics_server::metrics_server(std::shared_ptr<impl> p) : impl_(std::move(p)) {}

metrics_server::~metrics_server()
{
    stop();
}

std::unique_ptr<metrics_server> metrics_server::start(asio::io_context& ioc, const listen_address& where,
                                                      std::function<std::string()> render, std::string& error)
{
    auto p = std::make_shared<impl>(ioc, std::move(render));
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(where.ip, ec);
    const std::string shown = (address.is_v6() ? "[" + where.ip + "]" : where.ip) + ":" + std::to_string(where.port);
    if (ec) {
        error = "--metrics-listen " + shown + ": " + ec.message();
        return nullptr;
    }
    const tcp::endpoint endpoint(address, where.port);
    if (p->acceptor.open(endpoint.protocol(), ec); !ec)
        if (p->acceptor.set_option(tcp::acceptor::reuse_address(true), ec); !ec)
            if (p->acceptor.bind(endpoint, ec); !ec)
                p->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        error = "cannot listen on " + shown + " (--metrics-listen): " + ec.message();
        return nullptr;
    }
    asio::co_spawn(ioc, p->accept_loop(), asio::detached);
    return std::unique_ptr<metrics_server>(new metrics_server(std::move(p)));
}

std::uint16_t metrics_server::port() const
{
    boost::system::error_code ec;
    const auto ep = impl_->acceptor.local_endpoint(ec);
    return ec ? 0 : ep.port();
}

std::uint64_t metrics_server::scrapes() const
{
    return impl_->scrapes;
}

void metrics_server::after_next_scrape(std::chrono::milliseconds limit, std::function<void()> then)
{
    impl_->after_scrape = std::move(then);
    impl_->waiter.expires_after(limit);
    impl_->waiter.async_wait([p = impl_](const boost::system::error_code& ec) {
        if (ec)
            return;
        if (auto then = std::exchange(p->after_scrape, nullptr))
            then();
    });
}

void metrics_server::stop()
{
    if (!impl_ || impl_->stopped)
        return;
    impl_->stopped = true;
    impl_->after_scrape = nullptr;
    impl_->waiter.cancel();
    boost::system::error_code ignored;
    impl_->acceptor.close(ignored);
    for (auto& c : impl_->connections) {
        c->socket().shutdown(tcp::socket::shutdown_both, ignored);
        c->socket().close(ignored);
    }
}

} // namespace ascep::fleet
