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

} // namespace detail
} // namespace ascep::testca
