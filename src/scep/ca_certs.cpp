#include "scep/ca_certs.hpp"

#include "asn1/ber.hpp"
#include "cms/error.hpp"
#include "cms/signed_data.hpp"
#include "scep/error.hpp"

#include <botan/pkix_types.h>

#include <botan/data_src.h>
#include <botan/pem.h>

#include <algorithm>
#include <string_view>

namespace ascep::scep {
namespace {

using cert_list = std::vector<Botan::X509_Certificate>;

bool looks_like_pem(std::span<const std::uint8_t> body)
{
    const std::string_view text(reinterpret_cast<const char*>(body.data()), body.size());
    return text.find("-----BEGIN ") != std::string_view::npos;
}

boost::system::result<cert_list> from_der(std::span<const std::uint8_t> der)
{
    // A lone certificate first: it is the common answer of a CA without RA.
    try {
        asn1::check_limits(der); // Botan alone takes minutes on hostile BER
        return cert_list{Botan::X509_Certificate(der.data(), der.size())};
    } catch (const std::exception&) {
    }
    auto sd = cms::parse_signed_data(der);
    if (!sd)
        return sd.error();
    return std::move(sd->certificates);
}

boost::system::result<cert_list> from_pem(std::span<const std::uint8_t> body)
{
    cert_list out;
    try {
        Botan::DataSource_Memory src(body.data(), body.size());
        while (!src.end_of_data()) {
            std::string label;
            const auto der = Botan::PEM_Code::decode(src, label);
            if (label == "CERTIFICATE") {
                asn1::check_limits(der);
                out.emplace_back(der.data(), der.size());
            } else if (label == "PKCS7" || label == "CMS") {
                auto more = from_der(std::vector<std::uint8_t>(der.begin(), der.end()));
                if (!more)
                    return more.error();
                out.insert(out.end(), more->begin(), more->end());
            }
            // Skip whitespace between blocks so end_of_data sees the end.
            std::uint8_t c = 0;
            while (src.peek_byte(c) == 1 && (c == '\n' || c == '\r' || c == ' ' || c == '\t'))
                src.discard_next(1);
        }
    } catch (const std::exception&) {
        if (out.empty())
            return cms::errc::malformed;
    }
    return out;
}

} // namespace

boost::system::result<cert_list> parse_ca_certs(std::span<const std::uint8_t> body)
{
    auto certs = looks_like_pem(body) ? from_pem(body) : from_der(body);
    if (certs && certs->empty())
        return errc::missing_content;
    return certs;
}

boost::system::result<cert_list> verify_next_ca(std::span<const std::uint8_t> body,
                                                std::span<const Botan::X509_Certificate> current_signers)
{
    auto sd = cms::parse_signed_data(body);
    if (!sd)
        return sd.error();
    if (sd->signers.size() != 1)
        return errc::signer_count;
    const auto& si = sd->signers.front();
    const auto signer = std::find_if(current_signers.begin(), current_signers.end(),
                                     [&](const Botan::X509_Certificate& c) { return si.sid.matches(c); });
    if (signer == current_signers.end())
        return errc::untrusted_signer;
    if (const auto ec = cms::verify_signer(*sd, si, *signer))
        return ec;
    if (!sd->content)
        return errc::missing_content;
    return parse_ca_certs(*sd->content);
}

} // namespace ascep::scep
