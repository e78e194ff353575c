#include "engine/client_impl.hpp"
#include "engine/error.hpp"

#include "engine/operations.hpp"

#include <algorithm>
#include <cstdlib>

namespace ascep {

namespace asio = boost::asio;

client::impl::impl(asio::any_io_executor ex, transport::client_options transport_options, const client_options& opts)
    : http(ex, std::move(transport_options)), limiter(ex, opts.max_in_flight, opts.max_rate)
{
    ep.http = &http;
    ep.url = opts.url;
    ep.extra_params = opts.query;
    if (opts.max_in_flight != 0 || opts.max_rate > 0)
        ep.limiter = &limiter;
}

client::client(std::unique_ptr<impl> state) : impl_(std::move(state)) {}
client::client(client&&) noexcept = default;
client& client::operator=(client&&) noexcept = default;
client::~client() = default;

std::optional<client> make_client(asio::any_io_executor ex, const client_options& opts, std::string& why)
{
    if (!transport::parse_url(opts.url)) {
        why = "bad URL: " + transport::explain_url_error(opts.url);
        return std::nullopt;
    }
    if (!opts.proxy.empty() && !transport::parse_proxy(opts.proxy)) {
        why = "bad proxy: " + transport::explain_proxy_error(opts.proxy);
        return std::nullopt;
    }
    transport::proxy_environment env;
    if (opts.proxy_from_environment)
        env = transport::read_proxy_environment([](const char* name) { return std::getenv(name); });
    auto t = engine::transport_options_for(opts, env);
    return client(std::make_unique<client::impl>(ex, std::move(t), opts));
}

asio::awaitable<std::pair<std::vector<std::string>, std::optional<call_error>>> async_get_capabilities(client& c)
{
    transport::diagnostics diag;
    auto caps = co_await engine::async_get_caps(c.internals().ep, diag);
    if (!caps)
        co_return std::pair{std::vector<std::string>{}, std::optional{engine::make_call_error(caps.error(), diag)}};
    co_return std::pair{std::move(caps->keywords), std::optional<call_error>{}};
}

asio::awaitable<std::pair<std::vector<Botan::X509_Certificate>, std::optional<call_error>>>
async_get_ca_certificates(client& c, std::string ca_identifier)
{
    transport::diagnostics diag;
    auto certs = co_await engine::async_get_ca(c.internals().ep, std::move(ca_identifier), diag);
    if (!certs)
        co_return std::pair{std::vector<Botan::X509_Certificate>{},
                            std::optional{engine::make_call_error(certs.error(), diag)}};
    co_return std::pair{std::move(certs->certificates), std::optional<call_error>{}};
}

} // namespace ascep

namespace ascep::engine {

transport::client_options transport_options_for(const client_options& opts, const transport::proxy_environment& env)
{
    transport::client_options o;
    if (!opts.proxy.empty()) {
        if (auto p = transport::parse_proxy(opts.proxy))
            o.proxy = *p;
    } else {
        o.http_proxy = env.http;
        o.https_proxy = env.https;
    }
    o.no_proxy = env.no_proxy;
    o.connect_retry = opts.connect_retry;
    if (opts.timeout.count() > 0) {
        // The whole exchange gets the timeout; no step may take longer.
        auto& t = o.timeouts;
        t.operation = opts.timeout;
        for (auto* step : {&t.resolve, &t.connect, &t.handshake, &t.write, &t.read})
            *step = std::min(*step, opts.timeout);
    }
    o.tls.ca_file = opts.tls_ca_file;
    o.tls.ca_path = opts.tls_ca_path;
    o.tls.insecure = opts.insecure;
    return o;
}

call_error make_call_error(const boost::system::error_code& ec, const transport::diagnostics& diag)
{
    return {ec, transport::describe(ec, diag), is_transient(ec, diag)};
}

} // namespace ascep::engine
