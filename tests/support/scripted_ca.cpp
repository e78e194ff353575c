#include "scripted_ca.hpp"
#include "cms/software_key.hpp"

#include "scep/cert_rep.hpp"
#include "scep/csr.hpp"

#include <botan/x509_key.h>

#include <stdexcept>

namespace ascep::test {

std::string name(reply_kind k)
{
    switch (k) {
    case reply_kind::success: return "success";
    case reply_kind::pending: return "pending";
    case reply_kind::failure_bad_request: return "failure_bad_request";
    case reply_kind::tampered_signature: return "tampered_signature";
    case reply_kind::signed_by_other_ca: return "signed_by_other_ca";
    case reply_kind::wrong_transaction_id: return "wrong_transaction_id";
    case reply_kind::wrong_recipient_nonce: return "wrong_recipient_nonce";
    case reply_kind::certificate_for_other_key: return "certificate_for_other_key";
    case reply_kind::truncated: return "truncated";
    case reply_kind::not_pkcs7: return "not_pkcs7";
    }
    return "unknown";
}

scripted_ca::scripted_ca() : ca_(self_signed("Scripted Test CA", 0)), other_ca_(self_signed("Impostor CA", 4)) {}

std::vector<std::uint8_t> scripted_ca::answer(const std::vector<std::uint8_t>& request, reply_kind kind) const
{
    if (kind == reply_kind::not_pkcs7)
        return {'<', 'h', 't', 'm', 'l', '>'};

    auto msg = scep::parse_pki_message(request);
    if (!msg)
        throw std::runtime_error("scripted CA: request does not parse: " + msg.error().message());
    const auto* requester = msg->signed_data.find_certificate(msg->signer().sid);
    if (!requester)
        throw std::runtime_error("scripted CA: request carries no signer certificate");

    scep::reply_content content;
    switch (kind) {
    case reply_kind::pending: content.status = scep::pki_status::pending; break;
    case reply_kind::failure_bad_request:
        content.status = scep::pki_status::failure;
        content.fail_info = scep::fail_info::bad_request;
        content.fail_info_text = "scripted refusal";
        break;
    default: {
        // Issue for the key in the CSR, or for another key when asked to cheat.
        const auto csr_der = cms::decrypt(*msg->envelope, *ca_.key, ca_.cert);
        if (!csr_der)
            throw std::runtime_error("scripted CA: cannot open the request envelope");
        // scep::read_csr, as the test CA and ascep read requests.
        const auto csr = scep::read_csr(*csr_der);
        if (!csr)
            throw std::runtime_error("scripted CA: the request is not a PKCS#10 request");
        const std::unique_ptr<Botan::Public_Key> key(Botan::X509::load_key(csr->subject_public_key_info));
        content.certificates = {kind == reply_kind::certificate_for_other_key
                                    ? issue(ca_, *cached_key(7), "someone else")
                                    : issue(ca_, *key, "issued by the scripted CA")};
        break;
    }
    }

    if (kind == reply_kind::wrong_transaction_id)
        msg->header.transaction_id = "00112233445566778899AABBCCDDEEFF";
    if (kind == reply_kind::wrong_recipient_nonce)
        msg->header.sender_nonce = std::vector<std::uint8_t>(16, 0x5a);
    const identity& signer = kind == reply_kind::signed_by_other_ca ? other_ca_ : ca_;
    auto reply = scep::make_cert_rep(*msg, *requester, content, {cms::software_key(*signer.key), signer.cert},
                                     std::vector<std::uint8_t>(16, 0x42), asn1::cipher_algorithm::aes128_cbc,
                                     std::chrono::system_clock::now(), rng());
    if (!reply)
        throw std::runtime_error("scripted CA: cannot build the reply: " + reply.error().message());
    if (kind == reply_kind::tampered_signature)
        reply->back() ^= 0x01; // the signature is the last field
    if (kind == reply_kind::truncated)
        reply->resize(reply->size() / 2);
    return std::move(*reply);
}

} // namespace ascep::test
