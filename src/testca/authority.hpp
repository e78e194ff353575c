// The test CA's certificates and keys, and the X.509 work it does with them
// (Botan): the self-signed CA or a root with an issuing CA under it, the RA
// certificates, issued certificates and the CRL. No I/O; the state store
// keeps the results.
#pragma once

#include "scep/csr.hpp"
#include "cms/software_key.hpp"

#include "scep/pki_message.hpp"
#include "testca/chain_order.hpp"

#include <botan/bigint.h>
#include <botan/pkcs10.h>
#include <botan/pkix_types.h>
#include <botan/rng.h>
#include <botan/x509_crl.h>
#include <botan/x509cert.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ascep::testca {

using clock = std::chrono::system_clock;

struct identity {
    std::shared_ptr<const Botan::Private_Key> key;
    Botan::X509_Certificate cert;
    /// `key`'s private operation, made once for all the replies it signs and
    /// requests it opens.
    std::shared_ptr<const cms::private_key_ops> ops;

    identity() = default;
    identity(std::shared_ptr<const Botan::Private_Key> k, Botan::X509_Certificate c)
        : key(std::move(k)), cert(std::move(c)), ops(std::make_shared<const cms::software_key>(key))
    {
    }

    scep::signing_identity signing() const { return {*ops, cert}; }
};

/// The issuing CA, with --intermediate the root above it, and with --ra its
/// RA certificates (NDES layout).
struct ca_material {
    /// Issues every certificate and the CRL; self-signed, or under `root`.
    identity ca;
    /// The root that issued `ca` (--intermediate). Only its certificate: the
    /// server never signs with it (`rollover` loads its key from the state).
    std::optional<Botan::X509_Certificate> root;
    std::optional<identity> ra_sign; // digitalSignature: signs replies
    std::optional<identity> ra_enc;  // keyEncipherment: requests are encrypted to it

    const identity& reply_signer() const { return ra_sign ? *ra_sign : ca; }
    const identity& decryptor() const { return ra_enc ? *ra_enc : ca; }
    /// Whether GetCACert serves a degenerate PKCS#7 chain rather than the CA
    /// certificate alone.
    bool serves_chain() const { return root || ra_sign || ra_enc; }
    /// What GetCACert serves, by levels: RA certificates, issuing CA, root.
    chain_levels levels() const;
};

/// A fresh RSA key and a self-signed CA certificate (keyCertSign, cRLSign,
/// digitalSignature, keyEncipherment; ten years): the CA that issues and
/// answers on its own.
identity make_ca(std::size_t key_bits, const std::string& common_name, const Botan::BigInt& serial, clock::time_point now,
                 Botan::RandomNumberGenerator& rng);

/// A fresh RSA key and a self-signed root CA certificate (keyCertSign, cRLSign;
/// path length 1: one CA below it; ten years). It signs issuing CAs only.
identity make_root_ca(std::size_t key_bits, const std::string& common_name, const Botan::BigInt& serial,
                      clock::time_point now, Botan::RandomNumberGenerator& rng);

/// A fresh RSA key and an issuing CA certificate from `root` (keyCertSign,
/// cRLSign, and digitalSignature + keyEncipherment so that it signs replies
/// and opens requests when there is no RA; path length 0; ten years, cut to
/// the root's end).
identity make_issuing_ca(const identity& root, std::size_t key_bits, const std::string& common_name,
                         const Botan::BigInt& serial, clock::time_point now, Botan::RandomNumberGenerator& rng);

/// Whether `issuer` issued `cert`: `cert` names it as issuer and its
/// signature verifies with the issuer's key.
bool issued_by(const Botan::X509_Certificate& cert, const Botan::X509_Certificate& issuer);

/// A fresh RSA key and an end-entity certificate from `ca` with exactly `usage`.
identity make_ra(const identity& ca, std::size_t key_bits, const std::string& common_name,
                 Botan::Key_Constraints usage, const Botan::BigInt& serial, clock::time_point now,
                 Botan::RandomNumberGenerator& rng);

/// The certificate for `csr` (read with scep::read_csr, so any version a
/// device sends): its subject, key and requested subjectAltName, keyUsage
/// digitalSignature + keyEncipherment, valid from 5 minutes before `now`
/// (clock skew) until `now + validity`. Signed through `ca.ops` (its one
/// private operation; `rng` is not drawn from). Throws when the key does not
/// load.
Botan::X509_Certificate issue_certificate(const identity& ca, const scep::csr_summary& csr,
                                          const Botan::BigInt& serial, std::chrono::seconds validity,
                                          clock::time_point now, Botan::RandomNumberGenerator& rng);

/// A CRL signed by `ca`: `previous` plus `revoke` (or an empty one when there
/// is no previous), numbered one above `previous`, next update in 7 days.
Botan::X509_CRL make_crl(const identity& ca, const std::optional<Botan::X509_CRL>& previous,
                         const std::vector<Botan::X509_Certificate>& revoke, clock::time_point now,
                         Botan::RandomNumberGenerator& rng);

/// Why `cert` cannot sign a RenewalReq for this CA, or empty when it can:
/// issued (signature checks) by `ca`, valid at `now`, not on `crl`.
std::string renewal_problem(const identity& ca, const Botan::X509_Certificate& cert,
                            const std::optional<Botan::X509_CRL>& crl, clock::time_point now);

/// Upper-case hex of a serial ("0A1F"), as file names and `list` show it.
std::string serial_hex(const Botan::BigInt& serial);
/// Reads a serial: decimal, 0x-prefixed hex, or colon-separated hex bytes
/// (sscep -s). nullopt when it is none of these.
std::optional<Botan::BigInt> parse_serial(const std::string& text);

} // namespace ascep::testca
