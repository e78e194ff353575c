#include "engine/transient.hpp"

#include "engine/error.hpp"
#include "transport/error.hpp"

namespace ascep::engine {

bool is_transient(const boost::system::error_code& ec, const transport::diagnostics& diag)
{
    using transport::errc;
    // A reply that is not a pkiMessage at all (an HTML error page of a proxy
    // or load balancer, an empty body) says nothing about the transaction:
    // asking again is the same transaction, so no second certificate.
    if (ec == engine::errc::wrong_content_type || ec == engine::errc::empty_response)
        return true;
    if (ec.category() != transport::error_category())
        return false;
    switch (static_cast<errc>(ec.value())) {
    case errc::resolve_failed:
    case errc::connect_failed:
    case errc::resolve_timeout:
    case errc::connect_timeout:
    case errc::write_timeout:
    case errc::read_timeout:
    case errc::operation_timeout:
    case errc::handshake_timeout:
    case errc::connection_closed:
        return true;
    case errc::http_status:
        return diag.http_status >= 500;
    default:
        return false;
    }
}

bool never_reached(const boost::system::error_code& ec)
{
    using transport::errc;
    return ec == errc::resolve_failed || ec == errc::connect_failed || ec == errc::resolve_timeout ||
           ec == errc::connect_timeout;
}

} // namespace ascep::engine
