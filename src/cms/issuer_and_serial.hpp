// IssuerAndSerialNumber ::= SEQUENCE { issuer Name, serialNumber INTEGER }
// Names a certificate in SignerInfo, KeyTransRecipientInfo and SCEP GetCert.
#pragma once

#include <botan/ber_dec.h>
#include <botan/bigint.h>
#include <botan/der_enc.h>
#include <botan/x509cert.h>

#include <cstdint>
#include <vector>

namespace ascep::cms {

struct issuer_and_serial {
    /// The issuer Name exactly as encoded (DER), so matching is byte-exact.
    std::vector<std::uint8_t> issuer;
    Botan::BigInt serial;

    static issuer_and_serial of(const Botan::X509_Certificate& cert);

    bool matches(const Botan::X509_Certificate& cert) const;

    void encode_into(Botan::DER_Encoder& enc) const;
    /// Decodes from the SEQUENCE element. Throws asn1::decode_failure.
    static issuer_and_serial decode_from(const Botan::BER_Object& seq);

    /// The DER encoding of the whole SEQUENCE.
    std::vector<std::uint8_t> encode() const;

    friend bool operator==(const issuer_and_serial&, const issuer_and_serial&) = default;
};

} // namespace ascep::cms
