#include "scep/cert_rep.hpp"

#include "scep/error.hpp"

namespace ascep::scep {

boost::system::result<cert_rep> check_cert_rep(std::span<const std::uint8_t> der, const sent_request& request,
                                               const reply_keys& keys)
{
    auto msg = parse_pki_message(der);
    if (!msg)
        return msg.error();
    // The signature first: nothing else in an unauthenticated reply means anything.
    bool believed_only_if_failure = false;
    if (const auto ec = verify_signature(*msg, keys.trusted_signers)) {
        if (ec != errc::untrusted_signer || keys.failure_signers.empty() ||
            verify_signature(*msg, keys.failure_signers))
            return ec;
        believed_only_if_failure = true;
    }
    const message_header& h = msg->header;
    if (h.type != message_type::cert_rep)
        return errc::unexpected_message_type;
    // Exact comparison: sscep once matched transaction IDs by prefix.
    if (h.transaction_id != request.transaction_id)
        return errc::transaction_id_mismatch;
    if (!h.recipient_nonce || *h.recipient_nonce != request.sender_nonce)
        return errc::recipient_nonce_mismatch;
    if (!h.status)
        return errc::missing_attribute;
    if (believed_only_if_failure && *h.status != pki_status::failure)
        return errc::untrusted_signer;

    cert_rep rep{h, *h.status, {}, {}};
    if (rep.status != pki_status::success)
        return rep;

    if (!msg->envelope)
        return errc::missing_content;
    auto inner = cms::decrypt(*msg->envelope, keys.key, keys.cert);
    if (!inner)
        return inner.error();
    auto degenerate = cms::parse_signed_data(*inner);
    if (!degenerate)
        return degenerate.error();
    rep.certificates = std::move(degenerate->certificates);
    rep.crls = std::move(degenerate->crls);
    if (rep.certificates.empty() && rep.crls.empty())
        return errc::missing_content;
    return rep;
}

boost::system::result<Botan::X509_Certificate> issued_certificate(const cert_rep& rep,
                                                                  const Botan::Public_Key& public_key)
{
    if (rep.certificates.empty())
        return errc::missing_content;
    const auto ours = public_key.public_key_bits();
    for (const auto& cert : rep.certificates)
        if (cert.subject_public_key_bitstring() == ours)
            return cert;
    return errc::wrong_public_key;
}

boost::system::result<bytes> make_cert_rep(const incoming_message& request, const Botan::X509_Certificate& requester,
                                           const reply_content& content, const signing_identity& signer,
                                           const bytes& sender_nonce, asn1::cipher_algorithm cipher,
                                           std::chrono::system_clock::time_point now,
                                           Botan::RandomNumberGenerator& rng)
{
    outgoing_message out;
    out.header.type = message_type::cert_rep;
    out.header.transaction_id = request.header.transaction_id;
    out.header.sender_nonce = sender_nonce;
    out.header.recipient_nonce = request.header.sender_nonce;
    out.header.status = content.status;
    if (content.status == pki_status::failure) {
        out.header.fail_info = content.fail_info;
        out.header.fail_info_text = content.fail_info_text;
    }
    if (content.status == pki_status::success)
        out.message_data = cms::make_certs_only(content.certificates, content.crls);
    out.recipients = {requester};
    out.cipher = cipher;
    out.digest = request.signer().digest;
    out.certificates = {signer.cert};
    out.now = now;
    return make_pki_message(out, signer, rng);
}

} // namespace ascep::scep
