#include "transport/http_client.hpp"

#include "transport/proxy_env.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
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
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
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
    // A TLS peer that closes without close_notify gives stream_truncated.
    return ec == http::error::end_of_stream || ec == http::error::partial_message || ec == asio::error::eof ||
           ec == asio::error::connection_reset || ec == asio::error::connection_aborted ||
           ec == asio::error::broken_pipe || ec == asio::error::not_connected ||
           ec == asio::ssl::error::stream_truncated;
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
    asio::ssl::context* tls_context()
    {
        if (tls_ctx)
            return &*tls_ctx;
        if (!tls_setup_error.empty())
            return nullptr;
        asio::ssl::context ctx(asio::ssl::context::tls_client);
        SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
        ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_compression);
        const auto& t = opts.tls;
        error_code ec;
        if (t.insecure) {
            ctx.set_verify_mode(asio::ssl::verify_none);
        } else {
            ctx.set_verify_mode(asio::ssl::verify_peer);
            if (!t.ca_file.empty()) {
                ctx.load_verify_file(t.ca_file, ec);
                if (ec)
                    tls_setup_error = "cannot load trust anchors from " + t.ca_file + ": " + ec.message();
            }
            if (!ec && !t.ca_path.empty()) {
                std::error_code fs_ec;
                if (!std::filesystem::is_directory(t.ca_path, fs_ec))
                    tls_setup_error = "trust anchor directory " + t.ca_path + " is not a directory";
                else
                    ctx.add_verify_path(t.ca_path, ec);
                if (ec)
                    tls_setup_error = "cannot use trust anchor directory " + t.ca_path + ": " + ec.message();
            }
            if (t.ca_file.empty() && t.ca_path.empty()) {
                ctx.set_default_verify_paths(ec);
                if (ec)
                    tls_setup_error = "cannot load the system trust store: " + ec.message();
            }
        }
        if (!tls_setup_error.empty())
            return nullptr;
        tls_ctx.emplace(std::move(ctx));
        return &*tls_ctx;
    }

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
    // `proxy` is the proxy this request goes through, or null.
    exchange(client_state& client, const url& target, const proxy_spec* proxy, request_message& msg,
             diagnostics& diag)
        : client_(client), opts_(client.opts), target_(target), proxy_(proxy), msg_(msg), diag_(diag),
          op_length_(opts_.timeouts.operation + opts_.connect_retry), op_deadline_(clock_type::now() + op_length_)
    {
        key_ = (proxy_ ? proxy_->authority() : std::string()) + "|" + (is_tls() ? "https" : "http") + "|" +
               target_.authority();
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

    bool is_tls() const { return target_.scheme == scheme::https; }
    const std::string& connect_host() const { return proxy_ ? proxy_->host : target_.host; }
    std::uint16_t connect_port() const { return proxy_ ? proxy_->port : target_.port; }

    // Resolve and connect, retrying for opts_.connect_retry with backoff;
    // then, for https://, the CONNECT tunnel (through a proxy) and the TLS
    // handshake, which are not retried: a refusal there is an answer.
    // Lifetimes: *this and `out` must outlive the call.
    asio::awaitable<error_code> async_open(std::unique_ptr<connection>& out)
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

    // Lifetimes: *this and `out` must outlive the call.
    asio::awaitable<error_code> async_open_tcp(std::unique_ptr<connection>& out)
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

    // CONNECT host:port through the proxy on the plain connection. 2xx opens
    // the tunnel; 407 is proxy_auth_required; any other answer proxy_tunnel_failed.
    // Lifetimes: *this and `conn` must outlive the call.
    asio::awaitable<error_code> async_tunnel(connection& conn)
    {
        http::request<http::empty_body> req{http::verb::connect, target_.authority(), 11};
        req.set(http::field::host, target_.authority());
        if (!opts_.user_agent.empty())
            req.set(http::field::user_agent, opts_.user_agent);
        if (proxy_->has_credentials())
            req.set(http::field::proxy_authorization, "Basic " + base64(proxy_->username + ":" + proxy_->password));

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

    // The TLS handshake: SNI for host names, the certificate checked against
    // the trust anchors and for the URL's host (name or IP address).
    // Lifetimes: *this and `conn` must outlive the call.
    asio::awaitable<error_code> async_handshake(connection& conn)
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

    // Lifetimes: *this, `conn`, `res`, `out_ec` and `keep` must outlive the call.
    asio::awaitable<attempt> async_attempt(connection& conn, response& res, error_code& out_ec, bool& keep)
    {
        if (conn.tls) {
            const auto how = co_await async_attempt_on(*conn.tls, conn, res, out_ec, keep);
            co_return how;
        }
        const auto how = co_await async_attempt_on(*conn.plain, conn, res, out_ec, keep);
        co_return how;
    }

    // Writes the request and reads the response on `stream` (conn's plain or
    // TLS stream). Returns stale when the connection turned out closed before
    // any response byte arrived. `keep` says whether the connection may go
    // back to the pool.
    // Lifetimes: *this, `stream`, `conn`, `res`, `out_ec` and `keep` must outlive the call.
    template <typename Stream>
    asio::awaitable<attempt> async_attempt_on(Stream& stream, connection& conn, response& res, error_code& out_ec,
                                              bool& keep)
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
        // Inside a CONNECT tunnel a 407 comes from the target, not the proxy.
        // A 401 after we sent proxy credentials is most likely the proxy
        // refusing them (tinyproxy 1.11 does so); describe() says both.
        if (proxy_ && !is_tls() && (status == 407 || (status == 401 && proxy_->has_credentials())))
            return make_error_code(errc::proxy_auth_required);
        return make_error_code(errc::http_status);
    }

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

    const auto parsed = parse_url(req.url);
    if (!parsed) {
        diag.detail = explain_url_error(req.url);
        co_return parsed.error();
    }
    const url& u = *parsed;
    diag.target = u.authority();
    diag.tls = u.scheme == scheme::https;
    const proxy_spec* proxy = select_proxy(u, opts.proxy, opts.http_proxy, opts.https_proxy, opts.no_proxy);
    if (proxy)
        diag.proxy = proxy->authority();
    // Absolute form and Proxy-Authorization only when the proxy reads the
    // request itself; inside a CONNECT tunnel the target does.
    const bool via_proxy = proxy != nullptr && u.scheme == scheme::http;
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
    msg.target(via_proxy ? u.to_string() : u.target);
    msg.set(http::field::host, u.host_header());
    if (!opts.user_agent.empty())
        msg.set(http::field::user_agent, opts.user_agent);
    if (!req.content_type.empty())
        msg.set(http::field::content_type, req.content_type);
    for (const auto& [name, value] : req.headers)
        msg.insert(name, value);
    if (via_proxy && proxy->has_credentials())
        msg.set(http::field::proxy_authorization, "Basic " + base64(proxy->username + ":" + proxy->password));
    msg.body() = std::move(req.body);
    msg.keep_alive(true);
    msg.prepare_payload();

    exchange ex(*self, u, proxy, msg, diag);
    auto result = co_await ex.async_run();
    co_return result;
}

} // namespace ascep::transport
