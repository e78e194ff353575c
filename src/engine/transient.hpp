// Which failed requests are worth asking again: the fleet's backoff and
// --retry-for, and the one-shot commands' --retry-for, decide by these.
#pragma once

#include "transport/error.hpp"

#include <boost/system/error_code.hpp>

namespace ascep::engine {

/// Trying again later may help: the server was unreachable, slow, overloaded
/// (5xx) or closed on us, or sent something that is no SCEP reply at all.
/// Not: TLS trust, proxy credentials, redirects, 4xx, bad SCEP replies.
bool is_transient(const boost::system::error_code& ec, const transport::diagnostics& diag);

/// The request never reached a server: the name did not resolve or nothing
/// accepted the connection (in time). A wrong URL looks like this; so does
/// a CA that is not up yet.
bool never_reached(const boost::system::error_code& ec);

} // namespace ascep::engine
