// The SCEP HTTP operations (RFC 8894 §4) as coroutines on the one io_context.
// Each returns errors as values: transport::errc, engine::errc, cms/scep
// errors; `diag` says what the transport saw. `ep` and `diag` must outlive
// the returned awaitable.
#pragma once

#include "engine/endpoint.hpp"
#include "scep/caps.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>
#include <botan/x509cert.h>

#include <string>
#include <vector>

namespace ascep::engine {

/// GetCACaps. An HTTP 4xx status or an empty body means "no capabilities"
/// (RFC 8894 §3.5.2), not a failure; network errors and 5xx are failures.
boost::asio::awaitable<boost::system::result<scep::ca_caps>> async_get_caps(const endpoint& ep,
                                                                            transport::diagnostics& diag);

struct ca_cert_response {
    std::vector<Botan::X509_Certificate> certificates; // in the order received
    std::string content_type;
};

/// GetCACert with the CA identifier `ident` (-i; may be empty).
boost::asio::awaitable<boost::system::result<ca_cert_response>> async_get_ca(const endpoint& ep,
                                                                             std::string ident,
                                                                             transport::diagnostics& diag);

/// GetNextCACert: the raw response, to be checked with scep::verify_next_ca.
boost::asio::awaitable<boost::system::result<std::vector<std::uint8_t>>> async_get_next_ca(
    const endpoint& ep, std::string ident, transport::diagnostics& diag);

/// PKIOperation: POST the pkiMessage, or GET it base64-encoded in `message`.
/// The reply must be application/x-pki-message.
boost::asio::awaitable<boost::system::result<std::vector<std::uint8_t>>> async_pki_operation(
    const endpoint& ep, bool use_post, std::vector<std::uint8_t> message, transport::diagnostics& diag);

} // namespace ascep::engine
