// libFuzzer target for the client's check of a CertRep: the bytes are the
// CA's reply to the fixed request of fuzz_scep.hpp, checked as the engine
// checks every reply (scep::check_cert_rep: parse_pki_message,
// verify_signature against the trusted CA, transactionID, recipientNonce,
// decryption with the client's key, the inner certificates), then searched
// for the certificate of our key as the enroll state machine does.
//
// The seeds (make_scep_corpus) are real replies to that request, signed by
// the fixed CA and encrypted to the fixed client, so mutations reach the
// decryption and the degenerate SignedData inside. Errors are values: any
// exception escaping the scep API is a bug and crashes here.

#include "fuzz_scep.hpp"
#include "cms/software_key.hpp"

#include <botan/auto_rng.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

namespace {

using namespace ascep;

struct fixture {
    fuzz::recipient client = fuzz::load_recipient();
    fuzz::recipient ca = fuzz::load_ca();
    std::vector<Botan::X509_Certificate> trusted{ca.cert};
    std::unique_ptr<Botan::Public_Key> client_public{client.cert.subject_public_key()};
    scep::sent_request sent = fuzz::fixed_request();
    Botan::AutoSeeded_RNG rng;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::span<const std::uint8_t> input(data, size);
    fixture& f = fuzz::once<fixture>();

    // The lower layers on their own, as the test CA and inspect use them.
    if (const auto msg = scep::parse_pki_message(input, true))
        (void)scep::verify_signature(*msg, f.trusted);

    const cms::software_key ops(*f.client.key);
    const scep::reply_keys keys{f.trusted, ops, f.client.cert};
    const auto rep = scep::check_cert_rep(input, f.sent, keys);
    if (fuzz::verbose())
        std::fprintf(stderr, "cert_rep: %s\n", rep ? "accepted" : rep.error().message().c_str());
    if (!rep)
        return 0;
    // What check_cert_rep promises of an accepted reply.
    if (rep->header.transaction_id != f.sent.transaction_id ||
        rep->header.recipient_nonce != f.sent.sender_nonce)
        __builtin_trap();
    if (rep->status == scep::pki_status::success) {
        if (rep->certificates.empty() && rep->crls.empty())
            __builtin_trap();
        (void)scep::issued_certificate(*rep, *f.client_public);
        for (const auto& cert : rep->certificates)
            (void)cert.subject_dn().to_string();
    }
    return 0;
}
