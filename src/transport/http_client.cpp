// http_client: checks a request (URL, header names and values), picks its
// proxy, builds the HTTP message and hands it to an exchange (exchange.hpp).
#include "transport/http_client.hpp"

#include "transport/client_state.hpp"
#include "transport/exchange.hpp"
#include "transport/proxy_env.hpp"

#include <algorithm>
#include <cctype>

namespace ascep::transport {

namespace detail {

namespace {

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

} // namespace

std::string basic_proxy_authorization(const proxy_spec& proxy)
{
    return "Basic " + base64(proxy.username + ":" + proxy.password);
}

} // namespace detail

namespace {

namespace asio = boost::asio;
namespace http = detail::http;
using detail::client_state;

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

    detail::request_message msg;
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
        msg.set(http::field::proxy_authorization, detail::basic_proxy_authorization(*proxy));
    msg.body() = std::move(req.body);
    msg.keep_alive(true);
    msg.prepare_payload();

    detail::exchange ex(*self, u, proxy, msg, diag);
    auto result = co_await ex.async_run();
    co_return result;
}

} // namespace ascep::transport
