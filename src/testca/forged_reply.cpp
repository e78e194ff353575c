#include "testca/forged_reply.hpp"

#include <botan/hex.h>
#include <botan/x509_key.h>

namespace ascep::testca {

bool spoils_reply(fault_kind k, const scep::reply_content& content)
{
    switch (k) {
    case fault_kind::bad_signature:
    case fault_kind::wrong_nonce:
    case fault_kind::wrong_transaction_id: return true;
    case fault_kind::wrong_recipient:
        return content.status == scep::pki_status::success &&
               (!content.certificates.empty() || !content.crls.empty());
    case fault_kind::wrong_key:
        return content.status == scep::pki_status::success && content.certificates.size() == 1;
    default: return false;
    }
}

identity make_stranger(Botan::RandomNumberGenerator& rng)
{
    // A CA of its own: a self-signed certificate that no client was given.
    return make_ca(2048, "a stranger to this CA", Botan::BigInt(1), clock::now(), rng);
}

boost::system::result<bytes> make_forged_cert_rep(fault_kind k, reply_inputs in, const identity& ca,
                                                  const identity& stranger, Botan::RandomNumberGenerator& rng)
{
    const identity* signer = &in.signer;
    const Botan::X509_Certificate* recipient = &in.requester;
    std::optional<scep::incoming_message> altered;
    switch (k) {
    case fault_kind::bad_signature: signer = &stranger; break;
    case fault_kind::wrong_recipient: recipient = &stranger.cert; break;
    case fault_kind::wrong_nonce: {
        altered = in.request;
        bytes nonce(scep::nonce_size);
        rng.randomize(nonce.data(), nonce.size());
        altered->header.sender_nonce = nonce;
        break;
    }
    case fault_kind::wrong_transaction_id: {
        altered = in.request;
        altered->header.transaction_id = Botan::hex_encode(rng.random_vec(16));
        break;
    }
    case fault_kind::wrong_key: {
        // The certificate the client asked for, as the CA would issue it,
        // but for the stranger's key.
        const auto& genuine = in.content.certificates.front();
        scep::csr_summary other;
        other.subject = genuine.subject_dn();
        other.subject_public_key_info = stranger.cert.subject_public_key_info();
        in.content.certificates = {issue_certificate(ca, other, Botan::BigInt(genuine.serial_number()),
                                                     in.validity, in.now, rng)};
        break;
    }
    default: break;
    }
    const auto& request = altered ? *altered : in.request;
    return scep::make_cert_rep(request, *recipient, in.content, signer->signing(), in.sender_nonce, in.cipher, in.now,
                               rng);
}

} // namespace ascep::testca
