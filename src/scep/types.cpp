#include "scep/types.hpp"

namespace ascep::scep {

std::optional<message_type> message_type_from(int value)
{
    switch (value) {
    case 3: case 17: case 19: case 20: case 21: case 22: return static_cast<message_type>(value);
    default: return std::nullopt;
    }
}

std::optional<pki_status> pki_status_from(int value)
{
    switch (value) {
    case 0: case 2: case 3: return static_cast<pki_status>(value);
    default: return std::nullopt;
    }
}

std::optional<fail_info> fail_info_from(int value)
{
    if (value < 0 || value > 4)
        return std::nullopt;
    return static_cast<fail_info>(value);
}

std::string_view name(message_type t)
{
    switch (t) {
    case message_type::cert_rep: return "CertRep";
    case message_type::renewal_req: return "RenewalReq";
    case message_type::pkcs_req: return "PKCSReq";
    case message_type::cert_poll: return "CertPoll";
    case message_type::get_cert: return "GetCert";
    case message_type::get_crl: return "GetCRL";
    }
    return "unknown";
}

std::string_view name(pki_status s)
{
    switch (s) {
    case pki_status::success: return "SUCCESS";
    case pki_status::failure: return "FAILURE";
    case pki_status::pending: return "PENDING";
    }
    return "unknown";
}

std::string_view name(fail_info f)
{
    switch (f) {
    case fail_info::bad_alg: return "badAlg";
    case fail_info::bad_message_check: return "badMessageCheck";
    case fail_info::bad_request: return "badRequest";
    case fail_info::bad_time: return "badTime";
    case fail_info::bad_cert_id: return "badCertId";
    }
    return "unknown";
}

} // namespace ascep::scep
