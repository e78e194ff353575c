// The fixed SCEP world of the scep and testca fuzz targets and of
// make_scep_corpus, which writes their seeds: a client (fuzz_identity's
// recipient) that sent one request with a fixed transactionID and
// senderNonce to a CA (fuzz_identity's CA). A reply in the corpus is a real
// answer to that request, so that inside the fuzzer it passes the signature,
// transactionID and nonce checks and reaches decryption and the inner
// certificates.
#pragma once

#include "fuzz_identity.hpp"
#include "cms/software_key.hpp"

#include "scep/cert_rep.hpp"
#include "scep/csr.hpp"
#include "testca/service.hpp"


#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

namespace ascep::fuzz {

/// When everything happens: inside both fixed certificates' validity.
inline std::chrono::system_clock::time_point fixed_now()
{
    using namespace std::chrono;
    return sys_days{year{2027} / January / 15} + hours{12};
}

inline const std::string request_transaction_id = "A5CEF022F0220000000000000000F022";
inline const scep::bytes request_sender_nonce = scep::bytes(scep::nonce_size, 0x17);

/// What the client remembers of the fixed request.
inline scep::sent_request fixed_request()
{
    return {scep::message_type::pkcs_req, request_transaction_id, request_sender_nonce};
}

/// The client's PKCS#10 request (deterministic: PKCS#1 v1.5 signatures
/// are), written by scep::make_csr as ascep writes it: DER whatever the
/// challenge's length.
inline scep::bytes client_csr(const recipient& client, const std::string& challenge)
{
    std::string why;
    scep::csr_fields f;
    f.subject = scep::make_dn({{"CN", "ascep fuzz device"}, {"C", "DE"}, {"O", "ascep"}, {"OU", "fuzz"}}, why).value();
    f.dns = {"device.fuzz.example"};
    f.challenge = challenge;
    return scep::make_csr(cms::software_key(*client.key), f);
}

/// A client request of `type` with `tid`, signed by `signer`, encrypted to `to`.
inline scep::bytes client_message(scep::message_type type, const std::string& tid, const scep::bytes& data,
                                  const recipient& signer, const Botan::X509_Certificate& to,
                                  asn1::cipher_algorithm cipher, asn1::digest_algorithm digest,
                                  Botan::RandomNumberGenerator& rng)
{
    scep::outgoing_message out;
    out.header.type = type;
    out.header.transaction_id = tid;
    out.header.sender_nonce = request_sender_nonce;
    out.message_data = data;
    out.recipients = {to};
    out.cipher = cipher;
    out.digest = digest;
    out.certificates = {signer.cert};
    out.now = fixed_now();
    return scep::make_pki_message(out, {cms::software_key(*signer.key), signer.cert}, rng).value();
}

/// The test CA's policy in the testca target: a challenge, and one PENDING
/// before each certificate, so that requests, polls and issuance are all reachable.
inline const std::string testca_challenge = "fuzz-challenge";

/// A transaction the CA holds as PENDING at the start of every input.
inline const std::string pending_transaction_id = "00000000000000000000000000PE0D19";

/// The serial of a certificate the CA has already issued (for GetCert and RenewalReq).
inline constexpr std::uint32_t issued_serial = 0x1001;

/// An ascep-testca state directory and service in `dir`: the fixed CA, a CRL,
/// a rollover CA, certificate `issued_serial` for the client's key, and
/// transaction `pending_transaction_id` pending.
class testca_world {
public:
    testca_world(const std::filesystem::path& dir, Botan::RandomNumberGenerator& rng)
        : client_(load_recipient()), store_(dir)
    {
        auto ca = load_ca();
        testca::ca_material material;
        material.ca = {std::shared_ptr<const Botan::Private_Key>(std::move(ca.key)), ca.cert};
        const auto now = fixed_now();
        store_.save_identity("ca", material.ca);
        store_.save_crl(testca::make_crl(material.ca, std::nullopt, {}, now, rng));
        testca::make_rollover_ca(store_, 1024, now, rng);
        issued_ = testca::issue_certificate(
            material.ca, scep::read_csr(client_csr(client_, testca_challenge)).value(),
            Botan::BigInt(issued_serial), std::chrono::hours(24 * 365), now, rng);
        store_.save_issued(issued_);

        testca::service_options opts;
        opts.rules.challenge = testca_challenge;
        opts.rules.pending_polls = 1;
        service_.emplace(std::move(opts), store_, std::move(material), rng);

        const auto csr = client_csr(client_, testca_challenge);
        const auto pending = client_message(scep::message_type::pkcs_req, pending_transaction_id, csr, client_, ca_cert(),
                                            asn1::cipher_algorithm::aes128_cbc, asn1::digest_algorithm::sha256, rng);
        const auto r = service_->pki_operation(pending, now);
        if (r.status != 200 || store_.transactions().size() != 1)
            throw std::runtime_error("testca_world: the pending transaction was not stored: " + r.log);
    }

    testca::service& service() { return *service_; }
    testca::state_store& store() { return store_; }
    const recipient& client() const { return client_; }
    const Botan::X509_Certificate& ca_cert() const { return service_->ca().ca.cert; }
    /// The certificate `issued_serial`, for the client's key.
    const Botan::X509_Certificate& issued() const { return issued_; }

private:
    recipient client_;
    testca::state_store store_;
    Botan::X509_Certificate issued_;
    std::optional<testca::service> service_;
};

} // namespace ascep::fuzz
