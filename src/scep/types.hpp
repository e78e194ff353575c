// The values of SCEP's messageType, pkiStatus and failInfo attributes (RFC 8894 §3.2.1).
#pragma once

#include <optional>
#include <string_view>

namespace ascep::scep {

enum class message_type {
    cert_rep = 3,
    renewal_req = 17,
    pkcs_req = 19,
    cert_poll = 20, // GetCertInitial in older drafts and sscep
    get_cert = 21,
    get_crl = 22,
};

enum class pki_status { success = 0, failure = 2, pending = 3 };

enum class fail_info { bad_alg = 0, bad_message_check = 1, bad_request = 2, bad_time = 3, bad_cert_id = 4 };

std::optional<message_type> message_type_from(int value);
std::optional<pki_status> pki_status_from(int value);
std::optional<fail_info> fail_info_from(int value);

/// RFC names: "PKCSReq", "CertRep", "SUCCESS", "badMessageCheck" ...
std::string_view name(message_type t);
std::string_view name(pki_status s);
std::string_view name(fail_info f);

} // namespace ascep::scep
