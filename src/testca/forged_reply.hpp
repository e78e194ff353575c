// The SCEP faults' replies (--faults bad-signature, wrong-nonce,
// wrong-transaction-id, wrong-key, wrong-recipient): a CertRep built by
// scep::make_cert_rep, exactly as a genuine one, with one of its inputs
// changed: the signer, the request it answers (its nonce or transactionID),
// the certificate inside, or the recipient of the envelope.
#pragma once

#include "scep/cert_rep.hpp"
#include "testca/authority.hpp"
#include "testca/faults.hpp"

#include <botan/rng.h>

#include <cstdint>
#include <vector>

namespace ascep::testca {

using bytes = std::vector<std::uint8_t>;

/// Whether fault `k` can spoil a reply carrying `content` (wrong-key and
/// wrong-recipient need a SUCCESS with a certificate: only it is encrypted).
bool spoils_reply(fault_kind k, const scep::reply_content& content);

/// A key and self-signed certificate nobody trusts, made once at start-up
/// when a fault needs one.
identity make_stranger(Botan::RandomNumberGenerator& rng);

struct reply_inputs {
    const scep::incoming_message& request;
    const Botan::X509_Certificate& requester;
    scep::reply_content content;
    const identity& signer;
    bytes sender_nonce;
    asn1::cipher_algorithm cipher;
    clock::time_point now;
    std::chrono::seconds validity;
};

/// The CertRep for `in`, spoiled as `k` says (k must be one spoils_reply
/// accepts). `ca` issues the certificate of wrong-key; `stranger` signs
/// (bad-signature), receives (wrong-recipient) or owns the key (wrong-key).
boost::system::result<bytes> make_forged_cert_rep(fault_kind k, reply_inputs in, const identity& ca,
                                                  const identity& stranger, Botan::RandomNumberGenerator& rng);

} // namespace ascep::testca
