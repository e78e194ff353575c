// The throwaway certificate that signs a PKCSReq (RFC 8894 §2.3): made from
// the request's own key and subject.
#pragma once

#include <botan/pk_keys.h>
#include <botan/pkix_types.h>
#include <botan/rng.h>
#include <botan/x509cert.h>

#include <chrono>

namespace ascep::scep {

/// keyUsage digitalSignature + keyEncipherment, valid from an hour before
/// `now` (clock skew) for one year (sscep's six days are too short for an
/// enrollment left PENDING over a holiday), a random positive 64-bit serial.
/// Throws Botan exceptions only on an unusable key (a bug at the caller).
Botan::X509_Certificate make_self_signed(const Botan::Private_Key& key, const Botan::X509_DN& subject,
                                         std::chrono::system_clock::time_point now,
                                         Botan::RandomNumberGenerator& rng);

} // namespace ascep::scep
