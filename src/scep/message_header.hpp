// The signed SCEP attributes of a pkiMessage (RFC 8894 §3.2.1), as one struct.
#pragma once

#include "cms/attribute.hpp"
#include "scep/types.hpp"

#include <boost/system/result.hpp>

#include <optional>
#include <string>
#include <vector>

namespace ascep::scep {

using bytes = std::vector<std::uint8_t>;

/// RFC 8894 nonces are 16 random bytes.
inline constexpr std::size_t nonce_size = 16;

struct message_header {
    message_type type = message_type::pkcs_req;
    std::string transaction_id;
    std::optional<bytes> sender_nonce;
    std::optional<bytes> recipient_nonce;
    std::optional<pki_status> status;
    std::optional<scep::fail_info> fail_info;
    std::optional<std::string> fail_info_text;
};

/// The attributes to sign, in no particular order (cms sorts them).
std::vector<cms::attribute> to_attributes(const message_header& header);

/// Reads the SCEP attributes from a SignerInfo's signed attributes.
/// transactionID and messageType are required; the rest are read when present.
/// Errors: missing_attribute, unexpected_message_type, bad_attribute_value.
boost::system::result<message_header> read_header(const std::vector<cms::attribute>& attrs);

/// read_header for a CA: a messageType number outside RFC 8894 is not an
/// error here, so that the CA can still address a FAILURE badRequest reply
/// (RFC 8894 §3.3.2). *unknown_type says whether it was; header.type is
/// then left at its default and means nothing.
boost::system::result<message_header> read_header(const std::vector<cms::attribute>& attrs, bool& unknown_type);

} // namespace ascep::scep
