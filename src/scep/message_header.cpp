#include "scep/message_header.hpp"

#include "asn1/oids.hpp"
#include "scep/error.hpp"

#include <charconv>

namespace ascep::scep {
namespace {

namespace oids = asn1::oids;

cms::attribute string_attribute(const Botan::OID& type, const std::string& value,
                                Botan::ASN1_Tag tag = Botan::PRINTABLE_STRING)
{
    return {type, {cms::encode_string(value, tag)}};
}

cms::attribute number_attribute(const Botan::OID& type, int value)
{
    return string_attribute(type, std::to_string(value));
}

cms::attribute octets_attribute(const Botan::OID& type, const bytes& value)
{
    return {type, {cms::encode_octet_string(value)}};
}

/// nullopt when absent; an error when present but not a single string.
boost::system::result<std::optional<std::string>> string_value(const std::vector<cms::attribute>& attrs,
                                                               const Botan::OID& type)
{
    const auto* a = cms::find_attribute(attrs, type);
    if (!a)
        return std::optional<std::string>{};
    const auto v = a->single_value();
    auto text = v ? cms::decode_string(*v) : std::nullopt;
    if (!text)
        return errc::missing_attribute;
    return std::optional<std::string>{std::move(*text)};
}

boost::system::result<std::optional<bytes>> octets_value(const std::vector<cms::attribute>& attrs,
                                                         const Botan::OID& type)
{
    const auto* a = cms::find_attribute(attrs, type);
    if (!a)
        return std::optional<bytes>{};
    const auto v = a->single_value();
    auto octets = v ? cms::decode_octet_string(*v) : std::nullopt;
    if (!octets)
        return errc::missing_attribute;
    return std::optional<bytes>{std::move(*octets)};
}

/// SCEP numbers travel as decimal text ("19"); anything else is refused.
std::optional<int> to_number(const std::string& text)
{
    int value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || ptr != end)
        return std::nullopt;
    return value;
}

} // namespace

std::vector<cms::attribute> to_attributes(const message_header& h)
{
    std::vector<cms::attribute> out;
    out.push_back(string_attribute(oids::scep_transaction_id, h.transaction_id));
    out.push_back(number_attribute(oids::scep_message_type, static_cast<int>(h.type)));
    if (h.sender_nonce)
        out.push_back(octets_attribute(oids::scep_sender_nonce, *h.sender_nonce));
    if (h.recipient_nonce)
        out.push_back(octets_attribute(oids::scep_recipient_nonce, *h.recipient_nonce));
    if (h.status)
        out.push_back(number_attribute(oids::scep_pki_status, static_cast<int>(*h.status)));
    if (h.fail_info)
        out.push_back(number_attribute(oids::scep_fail_info, static_cast<int>(*h.fail_info)));
    if (h.fail_info_text)
        out.push_back(string_attribute(oids::scep_fail_info_text, *h.fail_info_text, Botan::UTF8_STRING));
    return out;
}

boost::system::result<message_header> read_header(const std::vector<cms::attribute>& attrs)
{
    bool unknown = false;
    auto h = read_header(attrs, unknown);
    if (h && unknown)
        return errc::unexpected_message_type;
    return h;
}

boost::system::result<message_header> read_header(const std::vector<cms::attribute>& attrs, bool& unknown_type)
{
    message_header h;
    unknown_type = false;

    auto tid = string_value(attrs, oids::scep_transaction_id);
    if (!tid || !*tid || (*tid)->empty())
        return errc::missing_attribute;
    h.transaction_id = std::move(**tid);

    auto type_text = string_value(attrs, oids::scep_message_type);
    if (!type_text || !*type_text)
        return errc::missing_attribute;
    // Not even a number is malformed; a number we do not know is the caller's call.
    const auto type_number = to_number(**type_text);
    if (!type_number)
        return errc::unexpected_message_type;
    const auto type = message_type_from(*type_number);
    if (type)
        h.type = *type;
    else
        unknown_type = true;

    auto sender = octets_value(attrs, oids::scep_sender_nonce);
    auto recipient = octets_value(attrs, oids::scep_recipient_nonce);
    auto status_text = string_value(attrs, oids::scep_pki_status);
    auto fail_text = string_value(attrs, oids::scep_fail_info);
    auto fail_info_text = string_value(attrs, oids::scep_fail_info_text);
    if (!sender || !recipient || !status_text || !fail_text || !fail_info_text)
        return errc::missing_attribute;
    h.sender_nonce = std::move(*sender);
    h.recipient_nonce = std::move(*recipient);
    h.fail_info_text = std::move(*fail_info_text);

    if (*status_text) {
        const auto n = to_number(**status_text);
        h.status = n ? pki_status_from(*n) : std::nullopt;
        if (!h.status)
            return errc::bad_attribute_value;
    }
    if (*fail_text) {
        const auto n = to_number(**fail_text);
        h.fail_info = n ? fail_info_from(*n) : std::nullopt;
        if (!h.fail_info)
            return errc::bad_attribute_value;
    }
    return h;
}

} // namespace ascep::scep
