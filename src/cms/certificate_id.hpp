// How CMS names a certificate in SignerIdentifier and RecipientIdentifier:
// CHOICE { issuerAndSerialNumber, [0] subjectKeyIdentifier }.
#pragma once

#include "cms/issuer_and_serial.hpp"

#include <botan/asn1_obj.h>
#include <botan/x509cert.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace ascep::cms {

struct certificate_id {
    std::optional<issuer_and_serial> issuer_serial;
    std::vector<std::uint8_t> subject_key_id; // set when issuer_serial is not

    /// True when this names `cert`. A certificate without a subjectKeyIdentifier
    /// extension is matched by the SHA-1 of its public key (RFC 5280 §4.2.1.2
    /// method 1), which is what OpenSSL puts there.
    bool matches(const Botan::X509_Certificate& cert) const;

    /// Reads either form. Throws asn1::decode_failure.
    static certificate_id decode_from(const Botan::BER_Object& obj);
};

} // namespace ascep::cms
