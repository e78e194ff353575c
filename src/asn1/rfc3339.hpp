// Times as ascep prints them everywhere (inspect, --json, renew, fleet
// reports and events, the test CA's list): RFC 3339 in UTC to the second,
// "2026-12-04T01:02:03Z", what `date -u +%FT%TZ` prints.
#pragma once

#include <botan/asn1_obj.h>

#include <chrono>
#include <string>

namespace ascep::asn1 {

/// "2026-12-04T01:02:03Z" (fractions of a second dropped).
std::string rfc3339(std::chrono::system_clock::time_point t);

/// The same for a certificate's or CRL's time; "(not set)" when unset (a
/// CRL without nextUpdate).
std::string rfc3339(const Botan::X509_Time& t);

} // namespace ascep::asn1
