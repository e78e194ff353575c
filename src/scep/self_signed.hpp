// The throwaway certificate that signs a PKCSReq (RFC 8894 §2.3): made from
// the request's own key and subject.
#pragma once

#include "cms/private_key_ops.hpp"

#include <botan/pk_keys.h>
#include <botan/pkix_types.h>
#include <botan/rng.h>
#include <botan/x509cert.h>

#include <chrono>

namespace ascep::scep {

/// keyUsage digitalSignature + keyEncipherment, valid from an hour before
/// `now` (clock skew) for one year (sscep's six days are too short for an
/// enrollment left PENDING over a holiday), a random positive 64-bit serial.
/// Signed through `key`'s shared private operation. Throws only on an
/// unusable key (a bug at the caller): boost::system::system_error.
Botan::X509_Certificate make_self_signed(const cms::private_key_ops& key, const Botan::X509_DN& subject,
                                         std::chrono::system_clock::time_point now,
                                         Botan::RandomNumberGenerator& rng);

} // namespace ascep::scep
