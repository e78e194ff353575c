// sscep's exit codes, kept by ascep (PRODUCT.md §1), and the one table that
// maps outcomes and error categories onto them. Scripts written for sscep test
// these numbers, so they never change.
#pragma once

#include <boost/system/error_code.hpp>

#include <array>
#include <optional>
#include <string_view>

namespace ascep::cli {

/// Every way a run can end, as the front end sees it.
enum class outcome {
    success,
    /// General error, including a usage error (sscep exits 0 there; we do not).
    general_error,
    /// The CA answered FAILURE without a failInfo we know.
    failure,
    /// Still PENDING when the poll limit (-T / -n) was reached.
    pending,
    bad_alg,           ///< FAILURE, failInfo badAlg (0)
    bad_message_check, ///< FAILURE, failInfo badMessageCheck (1)
    bad_request,       ///< FAILURE, failInfo badRequest (2)
    bad_time,          ///< FAILURE, failInfo badTime (3)
    bad_cert_id,       ///< FAILURE, failInfo badCertId (4)
    /// A deadline passed (connect, read, whole operation).
    timeout,
    /// The self-signed certificate could not be made, or a bad serial number.
    self_signed_error,
    /// A file could not be read or written, or is not what it should be
    /// (config file, key, certificate, request).
    file_error,
    /// Network or HTTP error: resolve, connect, TLS, proxy, HTTP status, content type.
    network_error,
    /// A PKCS#7/CMS or ASN.1 error: decoding, signature, decryption, or a reply
    /// that does not match our request.
    pkcs7_error,
    /// fleet: the output disk is full, failing or read-only; the run stopped
    /// and the same command completes it once the disk is fixed. Not an
    /// sscep code: 75 is sysexits.h's EX_TEMPFAIL ("try again later").
    local_fault,
};

struct exit_code_entry {
    outcome what;
    int code;
    std::string_view name;        ///< as in docs/cli.md and --json output
    std::string_view description; ///< one line, for docs and --help
};

/// The table. Ordered by outcome; tests check it is complete and that the
/// numbers are sscep's.
inline constexpr std::array<exit_code_entry, 15> exit_code_table{{
    {outcome::success, 0, "success", "success"},
    {outcome::general_error, 1, "error", "general error, including usage errors"},
    {outcome::failure, 2, "failure", "the CA answered FAILURE"},
    {outcome::pending, 3, "pending", "still PENDING at the poll limit"},
    {outcome::bad_alg, 70, "badAlg", "FAILURE: unrecognized or unsupported algorithm"},
    {outcome::bad_message_check, 71, "badMessageCheck", "FAILURE: integrity check (signature) failed"},
    {outcome::bad_request, 72, "badRequest", "FAILURE: transaction not permitted or supported"},
    {outcome::bad_time, 73, "badTime", "FAILURE: signingTime too far from the CA's time"},
    {outcome::bad_cert_id, 74, "badCertId", "FAILURE: no certificate matches the criteria"},
    {outcome::timeout, 89, "timeout", "a network deadline passed"},
    {outcome::self_signed_error, 91, "selfSignedError", "self-signed certificate or serial number error"},
    {outcome::file_error, 93, "fileError", "file error (config file, key, certificate, request)"},
    {outcome::network_error, 95, "networkError", "network or HTTP error"},
    {outcome::pkcs7_error, 97, "pkcs7Error", "PKCS#7 error (decode, signature, decrypt, mismatch)"},
    {outcome::local_fault, 75, "localFault",
     "fleet stopped: the output disk is full, failing or read-only; fix it and run the same command again"},
}};

/// The exit code of an outcome.
constexpr int exit_code(outcome o) noexcept
{
    for (const auto& e : exit_code_table)
        if (e.what == o)
            return e.code;
    return 1;
}

/// The table entry of an outcome.
const exit_code_entry& entry_of(outcome o) noexcept;

/// The outcome of a FAILURE reply: failInfo 0..4 (RFC 8894 §3.2.1.4.5) give
/// 70..74; anything else (including no failInfo) gives plain `failure` (2).
outcome outcome_of_fail_info(std::optional<int> fail_info) noexcept;

/// The outcome of an error from a layer, by the name of its error category so
/// that the front end need not depend on every layer's headers:
///   "ascep.asn1", "ascep.cms", "ascep.scep"            -> pkcs7_error (97)
///   "ascep.transport", "ascep.engine" (wrong content type, empty reply),
///   Asio/Beast/OpenSSL categories                      -> network_error (95),
///                                                         or timeout (89) when `is_timeout`
///   anything else                                       -> general_error (1),
///                                                         or timeout (89) when `is_timeout`
outcome outcome_of_category(std::string_view category_name, bool is_timeout) noexcept;

/// The outcome of an error_code: reads its category name and decides whether
/// it is a timeout (errc::timed_out, or a message containing "timeout" or
/// "timed out", which is how the transport layer names its deadline errors).
/// System and generic errors are sorted by errno: connection errors are
/// network errors, the rest (ENOENT, EACCES, ENOSPC, ...) file errors.
/// A success code gives `success`.
outcome outcome_of(const boost::system::error_code& ec);

} // namespace ascep::cli
