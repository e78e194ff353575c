#include "scep/pki_message.hpp"

#include "asn1/oids.hpp"
#include "scep/error.hpp"

namespace ascep::scep {

boost::system::result<bytes> make_pki_message(const outgoing_message& msg, const signing_identity& signer,
                                              Botan::RandomNumberGenerator& rng)
{
    cms::signing_request req;
    req.content_type = asn1::oids::data;
    if (msg.message_data) {
        auto envelope = cms::make_enveloped_data(*msg.message_data, msg.recipients, msg.cipher, rng);
        if (!envelope)
            return envelope.error();
        req.content = std::move(*envelope);
    } else {
        req.omit_content = true;
    }
    req.digest = msg.digest;
    req.extra_attributes = to_attributes(msg.header);
    req.signing_time = msg.now;
    req.certificates = msg.certificates;
    return cms::make_signed_data(req, signer.key, signer.cert);
}

boost::system::result<incoming_message> parse_pki_message(std::span<const std::uint8_t> der)
{
    return parse_pki_message(der, false);
}

boost::system::result<incoming_message> parse_pki_message(std::span<const std::uint8_t> der,
                                                          bool accept_unknown_type)
{
    auto sd = cms::parse_signed_data(der);
    if (!sd)
        return sd.error();
    if (sd->signers.size() != 1)
        return errc::signer_count;
    bool unknown_type = false;
    auto header = read_header(sd->signers.front().signed_attributes, unknown_type);
    if (!header)
        return header.error();
    if (unknown_type && !accept_unknown_type)
        return errc::unexpected_message_type;

    incoming_message msg{std::move(*sd), std::move(*header), std::nullopt, !unknown_type};
    if (msg.signed_data.content && !msg.signed_data.content->empty()) {
        auto env = cms::parse_enveloped_data(*msg.signed_data.content);
        if (!env)
            return env.error();
        msg.envelope = std::move(*env);
    }
    return msg;
}

boost::system::error_code verify_signature(const incoming_message& msg,
                                           std::span<const Botan::X509_Certificate> trusted)
{
    for (const auto& cert : trusted)
        if (msg.signer().sid.matches(cert))
            return cms::verify_signer(msg.signed_data, msg.signer(), cert);
    return errc::untrusted_signer;
}

} // namespace ascep::scep
