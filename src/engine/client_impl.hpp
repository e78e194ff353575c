// What an ascep::client holds, for the library's own code: the HTTP client,
// its request limiter and the endpoint the SCEP operations take.
#pragma once

#include "ascep/client.hpp"
#include "engine/endpoint.hpp"
#include "engine/request_limiter.hpp"
#include "engine/transient.hpp"
#include "transport/http_client.hpp"
#include "transport/proxy_env.hpp"

namespace ascep {

struct client::impl {
    impl(boost::asio::any_io_executor ex, transport::client_options transport_options, const client_options& opts);

    transport::http_client http;
    engine::request_limiter limiter;
    engine::endpoint ep;
};

} // namespace ascep

namespace ascep::engine {

/// The transport settings for `opts`: the proxy from opts.proxy, else (when
/// proxy_from_environment) from `env`; TLS; opts.timeout bounds the whole
/// exchange and every step. Call only with a URL and proxy that parse.
transport::client_options transport_options_for(const client_options& opts, const transport::proxy_environment& env);

/// The transport's diagnostics of `ec` as one line (what call_error::text
/// holds), and whether it is transient.
call_error make_call_error(const boost::system::error_code& ec, const transport::diagnostics& diag);

} // namespace ascep::engine
