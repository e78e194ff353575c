#include "cli/renewal_support.hpp"

#include "asn1/rfc3339.hpp"
#include "asn1/rfc4514.hpp"
#include "cli/session.hpp"
#include "io/duration.hpp"
#include "scep/csr.hpp"

#include <botan/hex.h>
#include <botan/pkix_types.h>


namespace ascep::cli {
namespace {

using sys_clock = std::chrono::system_clock;

/// "in 29d 23h", "2d 1h ago".
std::string relative_text(sys_clock::time_point t, sys_clock::time_point now)
{
    const auto d = std::chrono::duration_cast<std::chrono::seconds>(t - now);
    if (d.count() >= 0)
        return "in " + io::describe_duration(d);
    return io::describe_duration(-d) + " ago";
}

} // namespace

std::string serial_of(const Botan::X509_Certificate& cert)
{
    return Botan::hex_encode(cert.serial_number());
}

bool check_due(session& s, const Botan::X509_Certificate& cert, const std::string& cert_path, std::string& expiry)
{
    const auto& opts = s.opts;
    const auto now = sys_clock::now();
    const auto not_after = cert.not_after().to_std_timepoint();
    const auto due_from = not_after - *opts.renew_within;
    const bool due = now >= due_from;
    auto& j = s.out.json();
    j["due"] = due;
    j["renewed"] = false;
    j["serial"] = serial_of(cert);
    j["not_after"] = asn1::rfc3339(not_after);
    j["renew_after"] = asn1::rfc3339(due_from);
    expiry = cert_path + " expires " + asn1::rfc3339(not_after) + " (" + relative_text(not_after, now) + ")";
    if (!due) {
        // Contacts nothing: a daily timer costs the CA nothing until it is time.
        s.out.info(expiry + "; not due for renewal until " + asn1::rfc3339(due_from) + " (" +
                   relative_text(due_from, now) + ", --within " + io::describe_duration(*opts.renew_within) + ")");
        return false;
    }
    if (now > not_after)
        s.out.warn(cert_path + " has expired; the CA may refuse a request signed by it");
    return true;
}

void report_renewed(session& s, const Botan::X509_Certificate& cert,
                    const std::optional<Botan::X509_Certificate>& previous, const renewed_names& names)
{
    auto& j = s.out.json();
    j["due"] = true;
    j["renewed"] = true;
    j["certificate"] = names.certificate;
    j["key"] = names.key;
    j["previous_certificate"] = names.previous_certificate;
    j["previous_key"] = names.previous_key;
    j["subject"] = asn1::rfc4514(cert.subject_dn());
    j["serial"] = serial_of(cert);
    if (previous)
        j["old_serial"] = serial_of(*previous);
    j["not_after"] = asn1::rfc3339(cert.not_after().to_std_timepoint());
}

file_result<std::vector<std::uint8_t>> renewal_csr(const cms::private_key_ops& key, const Botan::X509_Certificate& old,
                                                   const std::string& challenge)
{
    scep::csr_fields f;
    f.challenge = challenge;
    f.subject = old.subject_dn();
    const auto& alt = old.subject_alt_name();
    f.dns = alt.get_attribute("DNS");
    f.email = alt.get_attribute("RFC822");
    f.ip = alt.get_attribute("IP");
    if (auto bad = scep::check_csr_fields(f))
        return file_failure("cannot ask for the names of " + asn1::rfc4514(old.subject_dn()) + ": " + *bad);
    try {
        return scep::make_csr(key, f);
    } catch (const std::exception& e) {
        return file_failure(std::string("cannot sign the request with the new key: ") + e.what());
    }
}

} // namespace ascep::cli
