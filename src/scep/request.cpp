#include "scep/request.hpp"

#include "cms/error.hpp"
#include "scep/error.hpp"

namespace ascep::scep {

bool is_request_type(message_type t)
{
    switch (t) {
    case message_type::pkcs_req:
    case message_type::renewal_req:
    case message_type::cert_poll:
    case message_type::get_cert:
    case message_type::get_crl:
        return true;
    case message_type::cert_rep:
        break;
    }
    return false;
}

boost::system::result<checked_request> check_request(std::span<const std::uint8_t> der, const request_keys& keys)
{
    auto msg = parse_pki_message(der, true);
    if (!msg)
        return msg.error();
    // A reply must echo the senderNonce (RFC 8894 §3.2.1.5): without it there
    // is nothing a client could check the reply against.
    if (!msg->header.sender_nonce)
        return errc::missing_attribute;
    const auto* carried = msg->signed_data.find_certificate(msg->signer().sid);
    if (!carried)
        return errc::untrusted_signer;

    checked_request out{std::move(*msg), *carried, {}, std::nullopt, {}};
    const auto refuse = [&](fail_info f, boost::system::error_code ec) {
        out.refusal = f;
        out.error = ec;
        return std::move(out);
    };

    // The signature first, as check_cert_rep does: nothing in an
    // unauthenticated message is worth acting on.
    const std::vector<Botan::X509_Certificate> signer{out.signer};
    if (const auto ec = verify_signature(out.message, signer))
        return refuse(fail_info::bad_message_check, ec);
    if (!out.message.known_type || !is_request_type(out.message.header.type))
        return refuse(fail_info::bad_request, errc::unexpected_message_type);
    if (!out.message.envelope)
        return refuse(fail_info::bad_message_check, errc::missing_content);

    auto data = cms::decrypt(*out.message.envelope, keys.decrypt.key, keys.decrypt.cert);
    if (!data && keys.fallback)
        data = cms::decrypt(*out.message.envelope, keys.fallback->key, keys.fallback->cert);
    if (!data)
        return refuse(fail_info::bad_message_check, data.error());
    out.message_data = std::move(*data);
    return out;
}

} // namespace ascep::scep
