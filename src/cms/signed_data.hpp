// CMS SignedData (RFC 5652 §5; PKCS#7 v1.5): parse, build, verify.
//
// Parsing accepts DER and BER (indefinite lengths, constructed OCTET STRING
// content as `openssl cms -sign -stream` writes it). Building writes DER with
// one RSA PKCS#1 v1.5 signer identified by issuerAndSerialNumber, every SET
// OF sorted (asn1::encode_der_set_of) except the certificates and CRLs,
// which keep the caller's order (see make_certs_only).
#pragma once

#include "asn1/algorithms.hpp"
#include "cms/attribute.hpp"
#include "cms/certificate_id.hpp"
#include "cms/private_key_ops.hpp"

#include <boost/system/result.hpp>
#include <botan/pk_keys.h>
#include <botan/rng.h>
#include <botan/x509_crl.h>
#include <botan/x509cert.h>

#include <chrono>
#include <optional>
#include <span>
#include <vector>

namespace ascep::cms {

struct signer_info {
    std::size_t version = 1;
    certificate_id sid;
    asn1::digest_algorithm digest = asn1::digest_algorithm::sha256;
    Botan::OID signature_algorithm;
    /// False for a SignerInfo without signed attributes (`openssl -noattr`).
    bool has_signed_attributes = false;
    /// The signed attributes re-tagged as a DER SET (0x31): what the signature covers.
    bytes signed_attributes_der;
    std::vector<attribute> signed_attributes;
    bytes signature;

    const attribute* find(const Botan::OID& type) const { return find_attribute(signed_attributes, type); }
};

struct signed_data {
    std::size_t version = 1;
    Botan::OID content_type;
    /// The eContent octets; nullopt when absent (certs-only or detached).
    std::optional<bytes> content;
    std::vector<Botan::X509_Certificate> certificates;
    std::vector<Botan::X509_CRL> crls;
    std::vector<signer_info> signers;

    /// The certificate among `certificates` that `signer` names, if carried.
    const Botan::X509_Certificate* find_certificate(const certificate_id& signer) const;
};

/// Parses a ContentInfo holding SignedData.
/// Errors: malformed, too_large, too_deep, wrong_content_type, unsupported_algorithm.
boost::system::result<signed_data> parse_signed_data(std::span<const std::uint8_t> content_info_der);

/// Checks one signer of `sd` with `cert`: that the SignerInfo names `cert`,
/// that contentType and messageDigest attributes match the content, and that
/// the RSA signature verifies. `detached_content` is used when sd has none
/// (SCEP's PENDING and FAILURE replies carry none: it is then empty).
/// Errors: signer_mismatch, missing_attribute,
/// content_type_mismatch, digest_mismatch, bad_signature, unsupported_algorithm.
boost::system::error_code verify_signer(const signed_data& sd, const signer_info& signer,
                                        const Botan::X509_Certificate& cert,
                                        std::span<const std::uint8_t> detached_content = {});

/// What make_signed_data signs, and how.
struct signing_request {
    Botan::OID content_type;
    bytes content;
    /// Leave eContent out (the signature still covers `content`, normally empty).
    bool omit_content = false;
    asn1::digest_algorithm digest = asn1::digest_algorithm::sha256;
    /// Signed in addition to contentType, messageDigest and signingTime (SCEP's attributes).
    std::vector<attribute> extra_attributes;
    /// The signingTime attribute; omitted when nullopt. Passed in: cms reads no clock.
    std::optional<std::chrono::system_clock::time_point> signing_time;
    /// Certificates to carry, in this order; normally the signer's own
    /// (SCEP requires it), so that the SET OF is DER whatever the order.
    std::vector<Botan::X509_Certificate> certificates;
};

/// Builds a DER ContentInfo(SignedData) with one RSA signer identified by
/// `signer_cert`'s issuer and serial. Errors: invalid_key (not RSA, or signing failed).
boost::system::result<bytes> make_signed_data(const signing_request& request, const private_key_ops& key,
                                              const Botan::X509_Certificate& signer_cert);

/// As above for a one-off use: makes a private operation for this call only.
boost::system::result<bytes> make_signed_data(const signing_request& request, const Botan::Private_Key& key,
                                              const Botan::X509_Certificate& signer_cert);

/// Builds a degenerate certs-only SignedData (no content, no signers), the
/// shape of GetCACert chains and of SCEP's issued-certificate reply. The
/// certificates and CRLs keep the order given, not DER's: clients in the
/// field take the first certificate of a reply as the issued one and print
/// a chain in the order received. CMS allows it (only signedAttrs must be
/// DER, RFC 5652 §5.3); a strict DER parser of the whole message does not.
bytes make_certs_only(const std::vector<Botan::X509_Certificate>& certs,
                      const std::vector<Botan::X509_CRL>& crls = {});

} // namespace ascep::cms
