#include "test_http_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/vector_body.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <charconv>

namespace ascep::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t big_size = 10 * 1024 * 1024;

using body_type = http::vector_body<std::uint8_t>;

std::string base64(std::string_view in)
{
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    unsigned val = 0;
    int bits = -6;
    for (unsigned char c : in) {
        val = (val << 8) + c;
        bits += 8;
        while (bits >= 0) {
            out += alphabet[(val >> bits) & 0x3F];
            bits -= 6;
        }
    }
    if (bits > -6)
        out += alphabet[((val << 8) >> (bits + 8)) & 0x3F];
    while (out.size() % 4)
        out += '=';
    return out;
}

// The path of a target in origin form or absolute form, without the query.
std::string path_of(std::string_view target)
{
    if (const auto scheme = target.find("://"); scheme != std::string_view::npos) {
        const auto slash = target.find('/', scheme + 3);
        target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    }
    return std::string(target.substr(0, target.find('?')));
}

} // namespace

struct test_http_server::state : std::enable_shared_from_this<state> {
    state(asio::io_context& i, http_server_options o) : ioc(i), opts(std::move(o)), acceptor(i) {}

    asio::io_context& ioc;
    http_server_options opts;
    tcp::acceptor acceptor;
    tcp::endpoint local;
    std::size_t accepted = 0;
    std::vector<recorded_request> requests;
    std::vector<std::weak_ptr<beast::tcp_stream>> streams;

    void listen()
    {
        tcp::endpoint ep(asio::ip::make_address(opts.ipv6 ? "::1" : "127.0.0.1"), local.port());
        acceptor.open(ep.protocol());
        acceptor.set_option(asio::socket_base::reuse_address(true));
        acceptor.bind(ep);
        acceptor.listen();
        local = acceptor.local_endpoint();
        asio::co_spawn(ioc, accept_loop(shared_from_this()), asio::detached);
    }

    // Sessions and the accept loop hold `self`, so the state outlives the
    // server object until the io_context drops their frames.
    static asio::awaitable<void> accept_loop(std::shared_ptr<state> self)
    {
        for (;;) {
            auto [ec, sock] = co_await self->acceptor.async_accept(use_tuple);
            if (ec)
                co_return;
            ++self->accepted;
            auto stream = std::make_shared<beast::tcp_stream>(std::move(sock));
            self->streams.push_back(stream);
            asio::co_spawn(self->ioc, session(self, stream, self->accepted), asio::detached);
        }
    }

    static asio::awaitable<void> session(std::shared_ptr<state> self, std::shared_ptr<beast::tcp_stream> stream,
                                         std::size_t id)
    {
        beast::flat_buffer buffer;
        for (;;) {
            http::request<body_type> req;
            const auto [ec, n] = co_await http::async_read(*stream, buffer, req, use_tuple);
            (void)n;
            if (ec)
                break;
            recorded_request rec;
            rec.method = std::string(req.method_string());
            rec.target = std::string(req.target());
            rec.host = std::string(req[http::field::host]);
            rec.proxy_authorization = std::string(req[http::field::proxy_authorization]);
            rec.content_type = std::string(req[http::field::content_type]);
            for (const auto& f : req)
                rec.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
            rec.body = req.body();
            rec.connection = id;
            self->requests.push_back(rec);

            const bool keep = co_await self->answer(*stream, req);
            if (!keep)
                break;
        }
        error_code ignored;
        stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream->socket().close(ignored);
    }

    // Answers one request; false when the connection is to be closed.
    // Lifetimes: *this (kept by the session's `self`), `stream` and `req` must outlive the call.
    asio::awaitable<bool> answer(beast::tcp_stream& stream, const http::request<body_type>& req)
    {
        const auto path = path_of(req.target());
        const bool close = opts.close_after_response || !req.keep_alive();

        if (opts.proxy_credentials) {
            const auto expected = "Basic " + base64(*opts.proxy_credentials);
            if (req[http::field::proxy_authorization] != expected) {
                http::response<body_type> res{http::status::proxy_authentication_required, 11};
                res.set(http::field::proxy_authenticate, "Basic realm=\"test proxy\"");
                res.keep_alive(!close);
                res.prepare_payload();
                const bool ok = co_await write(stream, res);
                co_return ok && !close;
            }
        }

        if (opts.handler) {
            if (auto scripted = opts.handler(requests.back())) {
                http::response<body_type> res{static_cast<http::status>(scripted->status), 11};
                if (!scripted->content_type.empty())
                    res.set(http::field::content_type, scripted->content_type);
                for (const auto& [name, value] : scripted->headers)
                    res.insert(name, value);
                res.body() = std::move(scripted->body);
                res.keep_alive(!close);
                res.prepare_payload();
                const bool ok = co_await write(stream, res);
                co_return ok && !close;
            }
        }
        if (path == "/stall") {
            // Keep the connection open and silent until one side closes it.
            char sink[512];
            for (;;) {
                const auto [ec, n] = co_await stream.socket().async_read_some(asio::buffer(sink), use_tuple);
                (void)n;
                if (ec)
                    co_return false;
            }
        }
        if (path == "/slow") {
            if (!co_await raw(stream, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                                      "Content-Length: 100\r\n\r\n"))
                co_return false;
            for (int i = 0; i < 100; ++i) {
                asio::steady_timer timer(ioc, opts.slow_interval);
                co_await timer.async_wait(use_tuple);
                if (!co_await raw(stream, "x"))
                    co_return false;
            }
            co_return !close;
        }
        if (path == "/big" || path == "/big-chunked") {
            const bool chunked = path == "/big-chunked";
            const std::string header = chunked ? std::string("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                                               : "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(big_size) +
                                                     "\r\n\r\n";
            if (!co_await raw(stream, header))
                co_return false;
            const std::string block(64 * 1024, 'B');
            for (std::size_t sent = 0; sent < big_size; sent += block.size()) {
                std::string piece = chunked ? "10000\r\n" + block + "\r\n" : block;
                if (!co_await raw(stream, piece))
                    co_return false;
            }
            if (chunked && !co_await raw(stream, "0\r\n\r\n"))
                co_return false;
            co_return !close;
        }
        if (path == "/truncate") {
            const bool ignored = co_await raw(stream, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
            (void)ignored;
            co_return false;
        }
        if (path == "/garbage") {
            const bool ignored = co_await raw(stream, "HELLO THERE\r\n\r\n");
            (void)ignored;
            co_return false;
        }

        http::response<body_type> res{http::status::ok, 11};
        if (path == "/redirect") {
            res.result(http::status::found);
            res.set(http::field::location, "http://127.0.0.1:" + std::to_string(local.port()) + "/elsewhere");
        } else if (path.rfind("/status/", 0) == 0) {
            unsigned code = 500;
            const auto digits = path.substr(8);
            std::from_chars(digits.data(), digits.data() + digits.size(), code);
            res.result(code);
        } else {
            res.set("X-Echo-Method", req.method_string());
            res.set("X-Echo-Target", req.target());
            res.set("X-Echo-Host", req[http::field::host]);
            std::string type(req["X-Reply-Content-Type"]);
            if (type.empty())
                type = "application/octet-stream";
            res.set(http::field::content_type, type);
            res.body() = req.body();
        }
        const bool closing = close || path == "/close";
        res.keep_alive(!closing);
        res.prepare_payload();
        const bool ok = co_await write(stream, res);
        co_return ok && !closing;
    }

    static asio::awaitable<bool> write(beast::tcp_stream& stream, http::response<body_type>& res)
    {
        const auto [ec, n] = co_await http::async_write(stream, res, use_tuple);
        (void)n;
        co_return !ec;
    }

    static asio::awaitable<bool> raw(beast::tcp_stream& stream, std::string text)
    {
        const auto [ec, n] = co_await asio::async_write(stream.socket(), asio::buffer(text), use_tuple);
        (void)n;
        co_return !ec;
    }

    void close_all()
    {
        for (auto& weak : streams)
            if (auto s = weak.lock()) {
                error_code ignored;
                s->socket().shutdown(tcp::socket::shutdown_both, ignored);
                s->socket().close(ignored);
            }
        streams.clear();
    }
};

test_http_server::test_http_server(asio::io_context& ioc, http_server_options opts)
    : state_(std::make_shared<state>(ioc, std::move(opts)))
{
    state_->listen();
}

test_http_server::~test_http_server()
{
    error_code ignored;
    state_->acceptor.close(ignored);
    state_->close_all();
}

std::uint16_t test_http_server::port() const
{
    return state_->local.port();
}

std::string test_http_server::authority() const
{
    return (state_->opts.ipv6 ? std::string("[::1]") : std::string("127.0.0.1")) + ":" + std::to_string(port());
}

std::string test_http_server::url(const std::string& path) const
{
    return "http://" + authority() + path;
}

std::size_t test_http_server::accepted() const
{
    return state_->accepted;
}

std::size_t test_http_server::open_connections() const
{
    return static_cast<std::size_t>(std::count_if(state_->streams.begin(), state_->streams.end(), [](const auto& w) {
        const auto s = w.lock();
        return s && s->socket().is_open();
    }));
}

const std::vector<recorded_request>& test_http_server::requests() const
{
    return state_->requests;
}

void test_http_server::close_connections()
{
    state_->close_all();
}

void test_http_server::stop_listening()
{
    error_code ignored;
    state_->acceptor.close(ignored);
}

void test_http_server::resume_listening()
{
    state_->listen();
}

bool ipv6_loopback_available()
{
    asio::io_context ioc;
    tcp::acceptor acceptor(ioc);
    error_code ec;
    acceptor.open(tcp::v6(), ec);
    if (!ec)
        acceptor.bind(tcp::endpoint(asio::ip::make_address("::1"), 0), ec);
    return !ec;
}

} // namespace ascep::test
