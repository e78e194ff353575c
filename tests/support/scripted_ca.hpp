// A CA that answers a SCEP request with exactly the reply a test asks for,
// good or forged. It opens requests and builds replies with the same scep
// layer the client uses (parse_pki_message, make_cert_rep), then bends the
// result as told. No sockets here; a test puts it behind an HTTP server.
#pragma once

#include "test_pki.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace ascep::test {

enum class reply_kind {
    success,
    pending,
    failure_bad_request,
    tampered_signature,     // one bit of the signature flipped
    signed_by_other_ca,     // a well-formed CertRep from a CA the client does not trust
    wrong_transaction_id,   // transactionID of another transaction
    wrong_recipient_nonce,  // recipientNonce that is not our senderNonce (a replay)
    certificate_for_other_key,
    truncated,              // the good reply cut in half
    not_pkcs7,              // bytes that are no PKCS#7 at all
};

std::string name(reply_kind k);

class scripted_ca {
public:
    scripted_ca();

    const identity& ca() const { return ca_; }
    /// The reply to `request` (a pkiMessage), shaped as `kind` says.
    std::vector<std::uint8_t> answer(const std::vector<std::uint8_t>& request, reply_kind kind) const;

private:
    identity ca_;
    identity other_ca_;
};

} // namespace ascep::test
