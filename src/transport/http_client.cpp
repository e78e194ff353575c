#include "transport/http_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/vector_body.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>

namespace ascep::transport {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;
using boost::system::error_code;
using std::chrono::milliseconds;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

using body_type = http::vector_body<std::uint8_t>;
using request_message = http::request<body_type>;

struct connection {
    explicit connection(const asio::any_io_executor& ex) : stream(ex) {}
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    std::string peer;
};

std::string base64(std::string_view in)
{
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const auto n = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += alphabet[(n >> 6) & 63];
        out += alphabet[n & 63];
    }
    if (i < in.size()) {
        const bool two = i + 1 < in.size();
        const auto n = (static_cast<unsigned char>(in[i]) << 16) |
                       (two ? static_cast<unsigned char>(in[i + 1]) << 8 : 0);
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += two ? alphabet[(n >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::string endpoint_text(const tcp::endpoint& ep)
{
    const auto addr = ep.address().to_string();
    return (ep.address().is_v6() ? "[" + addr + "]" : addr) + ":" + std::to_string(ep.port());
}

bool header_text_ok(std::string_view s)
{
    return std::none_of(s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

bool reserved_header(std::string_view name)
{
    for (std::string_view r : {"host", "content-length", "connection", "proxy-authorization", "transfer-encoding"})
        if (name.size() == r.size() && std::equal(name.begin(), name.end(), r.begin(), [](char a, char b) {
                return std::tolower(static_cast<unsigned char>(a)) == b;
            }))
            return true;
    return false;
}

// Errors that mean "the peer went away", as opposed to garbage or a timeout.
bool is_disconnect(const error_code& ec)
{
    return ec == http::error::end_of_stream || ec == http::error::partial_message || ec == asio::error::eof ||
           ec == asio::error::connection_reset || ec == asio::error::connection_aborted ||
           ec == asio::error::broken_pipe || ec == asio::error::not_connected;
}

// The deadline a step runs under: its own, or the operation's when that is sooner.
struct budget {
    clock_type::time_point at;
    deadline which;
    milliseconds length;
};

// How one attempt on one connection ended.
enum class attempt { done, stale };

} // namespace

namespace detail {

// What the client owns: options and the pool of idle kept-alive connections,
// keyed by "proxy|host:port".
struct client_state {
    client_state(asio::any_io_executor e, client_options o) : ex(std::move(e)), opts(std::move(o)) {}

    asio::any_io_executor ex;
    client_options opts;
    std::map<std::string, std::vector<std::unique_ptr<connection>>> idle;

    std::unique_ptr<connection> take_idle(const std::string& key)
    {
        const auto it = idle.find(key);
        if (it == idle.end() || it->second.empty())
            return nullptr;
        auto c = std::move(it->second.back());
        it->second.pop_back();
        return c;
    }

    void give_back(const std::string& key, std::unique_ptr<connection> c)
    {
        auto& list = idle[key];
        if (list.size() < opts.max_idle_per_host)
            list.push_back(std::move(c));
    }
};

} // namespace detail

namespace {

using detail::client_state;

// One request's state: what it is sending, its deadlines, what it learnt.
// Lives in async_request's frame; every member coroutine runs inside it.
class exchange {
public:
    exchange(client_state& client, const url& target, request_message& msg, diagnostics& diag)
        : client_(client), opts_(client.opts), target_(target), msg_(msg), diag_(diag),
          op_length_(opts_.timeouts.operation + opts_.connect_retry), op_deadline_(clock_type::now() + op_length_)
    {
        const auto& p = opts_.proxy;
        key_ = (p ? p->authority() : std::string()) + "|" + target_.authority();
    }

    // Lifetimes: *this (and what the constructor got) must outlive the call.
    asio::awaitable<boost::system::result<response>> async_run()
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

private:
    budget step(deadline which, milliseconds length) const
    {
        const auto at = clock_type::now() + length;
        if (op_deadline_ <= at)
            return {op_deadline_, deadline::operation, op_length_};
        return {at, which, length};
    }

    error_code timed_out(const budget& b, errc step_error)
    {
        diag_.deadline = b.which;
        diag_.deadline_duration = b.length;
        return make_error_code(b.which == deadline::operation ? errc::operation_timeout : step_error);
    }

    const std::string& connect_host() const { return opts_.proxy ? opts_.proxy->host : target_.host; }
    std::uint16_t connect_port() const { return opts_.proxy ? opts_.proxy->port : target_.port; }

    // Resolve and connect, retrying for opts_.connect_retry with backoff.
    // Lifetimes: *this and `out` must outlive the call.
    asio::awaitable<error_code> async_open(std::unique_ptr<connection>& out)
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

    // One resolve and connect under the resolve and connect deadlines.
    // Lifetimes: *this and `out` must outlive the call.
    asio::awaitable<error_code> async_open_once(std::unique_ptr<connection>& out)
    {
        std::vector<tcp::endpoint> endpoints;
        const auto rec = co_await async_resolve(endpoints);
        if (rec)
            co_return rec;

        auto conn = std::make_unique<connection>(client_.ex);
        const auto b = step(deadline::connect, opts_.timeouts.connect);
        conn->stream.expires_at(b.at);
        diag_.peer = endpoint_text(endpoints.front());
        const auto [ec, ep] = co_await conn->stream.async_connect(endpoints, use_tuple);
        if (ec == beast::error::timeout)
            co_return timed_out(b, errc::connect_timeout);
        if (ec) {
            diag_.detail = ec.message();
            co_return make_error_code(errc::connect_failed);
        }
        conn->stream.expires_never();
        conn->peer = endpoint_text(ep);
        diag_.peer = conn->peer;
        error_code ignored;
        conn->stream.socket().set_option(tcp::no_delay(true), ignored);
        out = std::move(conn);
        co_return error_code{};
    }

    // Asio cannot cancel one getaddrinfo, so the lookup runs detached and we
    // wait for it on a timer of our own; on timeout its result is dropped.
    // Lifetimes: *this and `out` must outlive the call.
    asio::awaitable<error_code> async_resolve(std::vector<tcp::endpoint>& out)
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

    // Writes the request and reads the response on `conn`. Returns stale when
    // the connection turned out closed before any response byte arrived.
    // `keep` says whether the connection may go back to the pool.
    // Lifetimes: *this, `conn`, `res`, `out_ec` and `keep` must outlive the call.
    asio::awaitable<attempt> async_attempt(connection& conn, response& res, error_code& out_ec, bool& keep)
    {
        const auto wb = step(deadline::write, opts_.timeouts.write);
        conn.stream.expires_at(wb.at);
        const auto [wec, written] = co_await http::async_write(conn.stream, msg_, use_tuple);
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
        conn.stream.expires_at(rb.at);
        std::optional<http::response_parser<body_type>> parser;
        for (;;) {
            parser.emplace();
            parser->body_limit(opts_.max_body);
            const auto [rec, n] = co_await http::async_read(conn.stream, conn.buffer, *parser, use_tuple);
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
        conn.stream.expires_never();

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

    // An empty error_code means "stale": closed before any response byte.
    error_code read_error(const error_code& ec, const budget& rb, const connection& conn,
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

    error_code status_error(const http::response<body_type>& msg)
    {
        const auto status = msg.result_int();
        if (status >= 200 && status < 300)
            return {};
        if (status >= 300 && status < 400) {
            diag_.location = std::string(msg[http::field::location]);
            return make_error_code(errc::redirect);
        }
        if (status == 407 && opts_.proxy)
            return make_error_code(errc::proxy_auth_required);
        return make_error_code(errc::http_status);
    }

    client_state& client_;
    const client_options& opts_;
    const url& target_;
    request_message& msg_;
    diagnostics& diag_;
    milliseconds op_length_;
    clock_type::time_point op_deadline_;
    std::string key_;
};

} // namespace

http_client::http_client(asio::any_io_executor ex, client_options opts)
    : impl_(std::make_shared<client_state>(std::move(ex), std::move(opts)))
{
}

http_client::~http_client() = default;

const client_options& http_client::options() const noexcept
{
    return impl_->opts;
}

void http_client::close_idle()
{
    impl_->idle.clear();
}

std::size_t http_client::idle_connections() const
{
    std::size_t n = 0;
    for (const auto& [key, list] : impl_->idle)
        n += list.size();
    return n;
}

asio::awaitable<boost::system::result<response>> http_client::async_request(request req, diagnostics& diag)
{
    // Keeps the pool alive should the client be destroyed while we run.
    const auto self = impl_;
    diag.clear();
    diag.url = req.url;
    const auto& opts = self->opts;
    if (opts.proxy)
        diag.proxy = opts.proxy->authority();

    const auto parsed = parse_url(req.url);
    if (!parsed) {
        diag.detail = explain_url_error(req.url);
        co_return parsed.error();
    }
    const url& u = *parsed;
    diag.target = u.authority();
    if (u.scheme == scheme::https) {
        diag.detail = "https:// needs TLS, which this version does not support yet";
        co_return make_error_code(errc::unsupported_scheme);
    }
    for (const auto& [name, value] : req.headers) {
        if (name.empty() || !header_text_ok(name) || !header_text_ok(value) ||
            name.find_first_of(" :\t") != std::string::npos) {
            diag.detail = "header '" + name + "' has an invalid name or value";
            co_return make_error_code(errc::bad_request);
        }
        if (reserved_header(name)) {
            diag.detail = "header '" + name + "' is set by the client";
            co_return make_error_code(errc::bad_request);
        }
    }
    if (!header_text_ok(req.content_type)) {
        diag.detail = "Content-Type has CR, LF or NUL";
        co_return make_error_code(errc::bad_request);
    }

    request_message msg;
    msg.version(11);
    msg.method(req.method == http_method::post ? http::verb::post : http::verb::get);
    // Through a proxy the request line carries the absolute URL and Host stays
    // the target's (sscep sends the proxy's Host: its bug #186).
    msg.target(opts.proxy ? u.to_string() : u.target);
    msg.set(http::field::host, u.host_header());
    if (!opts.user_agent.empty())
        msg.set(http::field::user_agent, opts.user_agent);
    if (!req.content_type.empty())
        msg.set(http::field::content_type, req.content_type);
    for (const auto& [name, value] : req.headers)
        msg.insert(name, value);
    if (opts.proxy && opts.proxy->has_credentials())
        msg.set(http::field::proxy_authorization,
                "Basic " + base64(opts.proxy->username + ":" + opts.proxy->password));
    msg.body() = std::move(req.body);
    msg.keep_alive(true);
    msg.prepare_payload();

    exchange ex(*self, u, msg, diag);
    auto result = co_await ex.async_run();
    co_return result;
}

} // namespace ascep::transport
