#include "testca/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <iostream>
#include <sstream>

namespace ascep::testca {

class commit_queue {
public:
    commit_queue(boost::asio::any_io_executor ex, std::vector<state_store*> stores)
        : ex_(std::move(ex)), wake_(ex_, boost::asio::steady_timer::time_point::max()), stores_(std::move(stores))
    {
        for (auto* s : stores_)
            s->defer_durability();
    }

    /// Something written is not yet durable: this request's writes, or
    /// another's in the sync under way (which this reply may report).
    bool needed() const
    {
        if (running_)
            return true;
        for (const auto* s : stores_)
            if (s->dirty())
                return true;
        return false;
    }

    /// Returns once everything written before the call is durable.
    boost::asio::awaitable<void> async_commit()
    {
        const auto mine = ++requested_;
        if (!running_) {
            running_ = true;
            boost::asio::co_spawn(ex_, run(), boost::asio::detached);
        }
        // One timer for all waiters: cancel() wakes them all, its expiry stays.
        while (done_ < mine)
            co_await wake_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    }

    void sync_now()
    {
        for (auto* s : stores_)
            if (s->take_dirty())
                s->sync();
    }

private:
    boost::asio::awaitable<void> run()
    {
        while (done_ < requested_) {
            const auto target = requested_;
            std::vector<const state_store*> dirty;
            for (auto* s : stores_)
                if (s->take_dirty())
                    dirty.push_back(s);
            // The sync on its own thread: the loop goes on serving, and what
            // it writes meanwhile waits for the next round.
            co_await boost::asio::post(pool_, boost::asio::use_awaitable);
            std::string failure;
            for (const auto* s : dirty) {
                try {
                    s->sync();
                } catch (const std::exception& e) {
                    failure = e.what();
                }
            }
            co_await boost::asio::post(ex_, boost::asio::use_awaitable);
            if (!failure.empty())
                std::cerr << "ascep-testca: " << failure << std::endl;
            done_ = target;
            wake_.cancel();
        }
        running_ = false;
    }

    boost::asio::any_io_executor ex_;
    boost::asio::steady_timer wake_;
    std::vector<state_store*> stores_;
    boost::asio::thread_pool pool_{1};
    std::uint64_t requested_ = 0;
    std::uint64_t done_ = 0;
    bool running_ = false;
};

std::shared_ptr<commit_queue> make_commit_queue(boost::asio::any_io_executor ex, std::vector<state_store*> stores)
{
    return std::make_shared<commit_queue>(std::move(ex), std::move(stores));
}

void sync_all(commit_queue& q)
{
    q.sync_now();
}

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

using body_type = http::vector_body<std::uint8_t>;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

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

http_reply text(unsigned status, const std::string& body, std::string log)
{
    const auto t = body + "\n";
    return {status, "text/plain", std::vector<std::uint8_t>(t.begin(), t.end()), std::move(log)};
}

std::string wire_bytes(const http::response<body_type>& res)
{
    std::ostringstream os;
    os << res;
    return os.str();
}

/// What a transport fault did to the reply, for the event's result.
std::string effect(const fault_spec& f, const std::string& wire)
{
    switch (f.kind) {
    case fault_kind::close_before: return "closed before the reply";
    case fault_kind::close_mid: return "closed in the middle of the header";
    case fault_kind::truncate: {
        const auto body = wire.size() - (wire.find("\r\n\r\n") + 4);
        return "closed after " + std::to_string(body / 2) + " of " + std::to_string(body) + " body bytes";
    }
    case fault_kind::content_type: return "sent as text/html";
    case fault_kind::trickle: return "trickled over " + std::to_string(f.duration.count()) + " ms";
    default: return {};
    }
}

class connection {
public:
    connection(server_context& ctx, tcp::socket socket) : ctx_(ctx), tcp_(std::move(socket)) {}

    asio::awaitable<void> run()
    {
        if (ctx_.tls == nullptr) {
            co_await serve(tcp_);
            beast::error_code ignored;
            tcp_.socket().shutdown(tcp::socket::shutdown_send, ignored);
            co_return;
        }
        tls_stream stream(std::move(tcp_), *ctx_.tls);
        beast::get_lowest_layer(stream).expires_after(ctx_.limits.idle);
        auto [hec] = co_await stream.async_handshake(asio::ssl::stream_base::server, use_tuple);
        if (hec) {
            // What a client without the anchor causes: it says why on its side.
            *ctx_.log << "- TLS handshake failed: " << hec.message() << std::endl;
            co_return;
        }
        if (co_await serve(stream)) {
            beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
            co_await stream.async_shutdown(use_tuple);
        }
    }

private:
    static beast::tcp_stream& lowest(beast::tcp_stream& s) { return s; }
    static beast::tcp_stream& lowest(tls_stream& s) { return beast::get_lowest_layer(s); }

    /// Serves requests until the connection ends; false when it ended abruptly
    /// (a fault closed it), so that no TLS close_notify is due.
    template <class Stream>
    asio::awaitable<bool> serve(Stream& stream)
    {
        beast::flat_buffer buffer;
        for (;;) {
            http::request_parser<body_type> parser;
            parser.body_limit(ctx_.limits.max_body);
            parser.header_limit(static_cast<std::uint32_t>(ctx_.limits.max_header));
            lowest(stream).expires_after(ctx_.limits.idle);
            auto [ec, n] = co_await http::async_read(stream, buffer, parser, use_tuple);
            if (ec) {
                // A malformed or oversized request gets a reason; a closed or
                // idle connection just ends.
                if (ec.category() == http::make_error_code(http::error::end_of_stream).category() &&
                    ec != http::error::end_of_stream && ec != http::error::partial_message) {
                    const bool too_big = ec == http::error::body_limit || ec == http::error::header_limit;
                    const auto r = text(too_big ? 413u : 400u, "bad HTTP request: " + ec.message(), {});
                    auto res = to_response(r, 11, false);
                    *ctx_.log << "- " << r.status << " " << ec.message() << std::endl;
                    lowest(stream).expires_after(ctx_.limits.idle);
                    co_await http::async_write(stream, res, use_tuple);
                }
                co_return true;
            }
            auto req = parser.release();
            const auto keep = co_await answer(stream, req);
            if (!keep.has_value())
                co_return false;
            if (!*keep)
                co_return true;
        }
    }

    /// One request: true to keep the connection, false to end it, nullopt
    /// when a fault ended it abruptly.
    template <class Stream>
    asio::awaitable<std::optional<bool>> answer(Stream& stream, http::request<body_type>& req)
    {
        const auto target = std::string_view(req.target().data(), req.target().size());
        const route* r = find_route(ctx_.routes, target);
        request_event event;
        event.time = std::chrono::system_clock::now();
        const auto q = target.find('?');
        event.operation = query_parameter(q == std::string_view::npos ? std::string_view{} : target.substr(q + 1),
                                          "operation")
                              .value_or("-");
        if (r == nullptr) {
            std::string names;
            for (const auto& known : ctx_.routes)
                names += (names.empty() ? "/" : ", /") + known.name;
            const auto reply = text(404, "no CA at this path; profiles are served at " + names, {});
            *ctx_.log << "- 404 " << target.substr(0, std::min<std::size_t>(target.size(), 80)) << std::endl;
            event.status = 404;
            event.result = "404 no such profile";
            log_event(event);
            auto res = to_response(reply, req.version(), req.keep_alive());
            lowest(stream).expires_after(ctx_.limits.idle);
            auto [wec, wn] = co_await http::async_write(stream, res, use_tuple);
            co_return !wec && req.keep_alive();
        }
        event.profile = r->name;
        auto& svc = *r->svc;
        transport_faults tf;
        if (!svc.faults().empty())
            tf = combine_transport(svc.faults().draw(is_transport_fault));
        if (tf.delay) {
            asio::steady_timer wait(co_await asio::this_coro::executor, *tf.delay);
            co_await wait.async_wait(use_tuple);
        }

        http_reply reply;
        if (tf.skips_request()) {
            // 500 and 503 come before any work: the request is not processed.
            const bool busy = tf.reply->kind == fault_kind::http503;
            reply = text(busy ? 503 : 500, busy ? "busy (fault http503)" : "internal error (fault http500)", {});
            reply.result = busy ? "503 Retry-After " + std::to_string(tf.reply->count) + " (not processed)"
                                : "500 (not processed)";
            reply.log = event.operation + " " + reply.result;
        } else {
            reply = svc.handle(req.method_string(), target, req.body(), std::chrono::system_clock::now());
            // No reply leaves before what it reports is on the disk.
            if (ctx_.commits && ctx_.commits->needed())
                co_await ctx_.commits->async_commit();
        }
        if (!r->name.empty())
            reply.log = r->name + ": " + reply.log;
        const bool keep_alive = req.keep_alive() && reply.status < 400;
        auto res = to_response(reply, req.version(), keep_alive);
        if (tf.reply && tf.reply->kind == fault_kind::http503)
            res.set(http::field::retry_after, std::to_string(tf.reply->count));
        if (tf.reply && tf.reply->kind == fault_kind::content_type)
            res.set(http::field::content_type, "text/html");

        event.message_type = reply.message_type;
        event.transaction_id = reply.transaction_id;
        event.signer = reply.signer;
        event.status = reply.status;
        event.result = reply.result;
        event.fault = tf.names();
        if (!reply.fault.empty())
            event.fault += (event.fault.empty() ? "" : ",") + reply.fault;

        const auto kind = tf.reply ? tf.reply->kind : fault_kind::delay;
        lowest(stream).expires_after(ctx_.limits.idle);
        if (kind == fault_kind::close_before || kind == fault_kind::close_mid || kind == fault_kind::truncate ||
            kind == fault_kind::trickle) {
            const auto wire = wire_bytes(res);
            event.result += "; " + effect(*tf.reply, wire);
            *ctx_.log << reply.log << " [fault " << event.fault << ": " << effect(*tf.reply, wire) << "]" << std::endl;
            log_event(event);
            if (kind == fault_kind::trickle) {
                const auto step = tf.reply->duration / std::max<std::size_t>(wire.size(), 1);
                asio::steady_timer pause(co_await asio::this_coro::executor);
                for (const char c : wire) {
                    auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(&c, 1), use_tuple);
                    if (wec)
                        co_return std::nullopt;
                    pause.expires_after(step);
                    co_await pause.async_wait(use_tuple);
                }
                co_return keep_alive;
            }
            const auto head = wire.find("\r\n\r\n") + 4;
            std::size_t send = 0;
            if (kind == fault_kind::close_mid)
                send = head / 2;
            else if (kind == fault_kind::truncate)
                send = head + (wire.size() - head) / 2;
            if (send > 0)
                co_await asio::async_write(stream, asio::buffer(wire.data(), send), use_tuple);
            beast::error_code ignored;
            lowest(stream).socket().shutdown(tcp::socket::shutdown_both, ignored);
            lowest(stream).socket().close(ignored);
            co_return std::nullopt;
        }
        *ctx_.log << reply.log << (event.fault.empty() || !reply.fault.empty() ? "" : " [fault " + event.fault + "]")
                  << std::endl;
        log_event(event);
        auto [wec, wn] = co_await http::async_write(stream, res, use_tuple);
        if (wec)
            co_return false;
        co_return keep_alive;
    }

    void log_event(const request_event& e)
    {
        if (ctx_.events != nullptr)
            ctx_.events->write(e);
    }

    server_context& ctx_;
    beast::tcp_stream tcp_;
};

asio::awaitable<void> run_connection(server_context& ctx, tcp::socket socket)
{
    connection c(ctx, std::move(socket));
    co_await c.run();
}

} // namespace

const route* find_route(const std::vector<route>& routes, std::string_view target)
{
    if (routes.size() == 1 && routes.front().name.empty())
        return &routes.front();
    auto path = target.substr(0, target.find('?'));
    while (!path.empty() && path.front() == '/')
        path.remove_prefix(1);
    const auto segment = path.substr(0, path.find('/'));
    for (const auto& r : routes)
        if (r.name == segment)
            return &r;
    return nullptr;
}

asio::awaitable<void> async_serve(tcp::acceptor& acceptor, server_context& ctx)
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
        asio::co_spawn(acceptor.get_executor(), run_connection(ctx, std::move(socket)), asio::detached);
    }
}

} // namespace ascep::testca
