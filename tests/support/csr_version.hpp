// A PKCS#10 request with another version, as iOS devices send (version 2):
// a request from scep::make_csr with its version INTEGER replaced, signed
// again with the same key, so that only the version differs.
#pragma once

#include "asn1/ber.hpp"
#include "scep/signed_object.hpp"

#include <botan/der_enc.h>

#include <cstdint>
#include <vector>

namespace ascep::test {

/// `csr_der` (a request signed with SHA-256 and PKCS#1 v1.5 by `key`) with
/// its version field replaced by `version_integer`, one complete INTEGER
/// (a negative or huge one too), and signed again by `key`.
inline std::vector<std::uint8_t> csr_with_version_integer(const std::vector<std::uint8_t>& csr_der,
                                                          const std::vector<std::uint8_t>& version_integer,
                                                          const cms::private_key_ops& key)
{
    const auto outer = asn1::children(asn1::read_single(csr_der));
    const auto info = asn1::children(outer.at(0));
    std::vector<std::uint8_t> tbs;
    Botan::DER_Encoder enc(tbs);
    enc.start_cons(Botan::SEQUENCE).raw_bytes(version_integer);
    for (std::size_t i = 1; i < info.size(); ++i)
        enc.raw_bytes(asn1::encode_tlv(info[i]));
    enc.end_cons();
    return scep::make_signed_object(key, tbs);
}

/// As above with a small non-negative version.
inline std::vector<std::uint8_t> csr_with_version(const std::vector<std::uint8_t>& csr_der, std::uint32_t version,
                                                  const cms::private_key_ops& key)
{
    std::vector<std::uint8_t> integer;
    Botan::DER_Encoder(integer).encode(std::size_t{version});
    return csr_with_version_integer(csr_der, integer, key);
}

} // namespace ascep::test
