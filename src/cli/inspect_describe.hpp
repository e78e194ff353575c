// inspect: what is printed about each piece of a message (certificates,
// requests, CRLs, the names CMS uses for certificates). Each description is
// both the lines for the terminal and the members of the --json object, made
// together so that the two outputs cannot drift apart.
#pragma once

#include "cms/certificate_id.hpp"
#include "scep/csr.hpp"

#include <boost/json/object.hpp>
#include <botan/asn1_obj.h>
#include <botan/pk_keys.h>
#include <botan/x509_crl.h>
#include <botan/x509cert.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ascep::cli {

struct description {
    boost::json::object json;
    /// "label: value", without the program name.
    std::vector<std::string> lines;

    void add(const std::string& label, boost::json::string_view key, boost::json::value value, const std::string& text);
    /// A string member printed as it is.
    void add(const std::string& label, boost::json::string_view key, const std::string& text)
    {
        add(label, key, boost::json::string_view(text), text);
    }
};

/// Upper-case hex, no separators (as --json prints serial numbers elsewhere).
std::string hex_of(std::span<const std::uint8_t> data);
/// An X.501 Name from its DER, as Botan prints names elsewhere in the CLI;
/// "(undecodable name)" when it does not decode.
std::string name_text(std::span<const std::uint8_t> name_der);
/// "sha256WithRSAEncryption" for the signature OIDs SCEP uses; else Botan's
/// name for it, or empty.
std::string signature_algorithm_name(const Botan::OID& oid);
/// "Digital Signature, Key Encipherment"; "(no keyUsage extension)".
std::string key_usage_text(Botan::Key_Constraints usage);

/// issuer and serial, or the subject key identifier. JSON: issuer, serial or
/// subject_key_identifier.
description describe_id(const cms::certificate_id& id);

/// subject, issuer, serial, validity, key usage, basicConstraints CA, public
/// key size, SHA-256 fingerprint; with `our_key`, whether the certificate
/// carries that public key (key_matches).
description describe_certificate(const Botan::X509_Certificate& cert, const Botan::Public_Key* our_key = nullptr);

/// subject, public key, whether a challengePassword is present (never its
/// value: it is a secret), subjectAltName entries, whether the request's
/// self-signature verifies (signature_valid); JSON also `version` (as sent:
/// iOS sends 2). `csr` is read_csr's summary of `der`.
description describe_request(const scep::csr_summary& csr, std::span<const std::uint8_t> der);

/// issuer, thisUpdate, nextUpdate, number of revoked certificates.
description describe_crl(const Botan::X509_CRL& crl);

} // namespace ascep::cli
