// What the two halves of service (service.cpp: HTTP operations and replies;
// service_enroll.cpp: enrollments, polls, GetCert, GetCRL) share. Private to
// the test CA.
#pragma once

#include "scep/request.hpp"
#include "testca/service.hpp"

#include <string>
#include <string_view>

namespace ascep::testca {

inline constexpr std::string_view pki_message_type = "application/x-pki-message";

/// One PKIOperation on its way through the service.
struct service::exchange {
    scep::checked_request request;
    clock::time_point now;
    std::string what; // "PKCSReq tid=..."
    /// The SCEP fault applied (pending-then-failure), for the event log.
    std::string fault;
};

namespace detail {

inline bytes to_bytes(std::string_view text)
{
    return bytes(text.begin(), text.end());
}

inline http_reply text_reply(unsigned status, std::string text, std::string log)
{
    return {status, "text/plain", to_bytes(text + "\n"), std::move(log)};
}

inline std::string short_text(const std::string& s)
{
    return s.size() > 80 ? s.substr(0, 80) + "..." : s;
}

/// --strict: who signed a request, for the log, so that a test can tell a
/// renewal signed by the current certificate from a self-signed request.
inline std::string signer_text(const Botan::X509_Certificate& signer, bool issued_here)
{
    const char* what = issued_here                                ? "issued here"
                       : signer.issuer_dn() == signer.subject_dn() ? "self-signed"
                                                                   : "not issued here";
    return "signer=" + serial_hex(Botan::BigInt(signer.serial_number())) + " (" + what + ")";
}

} // namespace detail
} // namespace ascep::testca
