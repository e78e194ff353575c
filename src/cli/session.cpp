#include "cli/session.hpp"

#include "cli/files.hpp"

#include <botan/hash.h>
#include <botan/hex.h>

#include <algorithm>
#include <cctype>

namespace ascep::cli {
namespace {

transport::client_options client_options_for(const options& opts)
{
    transport::client_options o;
    if (!opts.proxy.empty()) {
        if (auto p = transport::parse_proxy(opts.proxy))
            o.proxy = *p;
    }
    if (opts.connect_retry)
        o.connect_retry = *opts.connect_retry;
    if (opts.timeout)
        o.timeouts.operation = *opts.timeout;
    return o;
}

std::string upper(std::string_view s)
{
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::toupper(c); });
    return out;
}

} // namespace

session::session(const options& o, reporter& r) : opts(o), out(r), http(ioc.get_executor(), client_options_for(o))
{
    ep.http = &http;
    ep.url = opts.url;
    for (const auto& q : opts.query)
        ep.extra_params.emplace_back(q.name, q.value);
}

failure session::failure_of(const boost::system::error_code& ec, const std::string& what,
                            const transport::diagnostics& d) const
{
    return {outcome_of(ec), what + ": " + transport::describe(ec, d)};
}

file_result<scep::ca_roles> session::load_ca_roles() const
{
    std::vector<Botan::X509_Certificate> chain;
    if (file_exists(opts.ca_cert)) {
        auto certs = load_certificates(opts.ca_cert);
        if (!certs)
            return certs.error();
        chain = std::move(*certs);
    }
    // getca writes a chain as BASE-0, BASE-1, ...; -c BASE picks them up.
    for (int i = 0;; ++i) {
        const std::string name = opts.ca_cert + "-" + std::to_string(i);
        if (!file_exists(name))
            break;
        auto cert = load_certificate(name);
        if (!cert)
            return cert.error();
        if (std::find(chain.begin(), chain.end(), *cert) == chain.end())
            chain.push_back(std::move(*cert));
    }
    if (chain.empty())
        return file_failure("cannot read CA certificate (-c) " + opts.ca_cert + " (nor " + opts.ca_cert + "-0, ...)");
    auto roles = scep::select_ca_roles(chain);
    if (!roles)
        return file_failure("no usable CA certificate in " + opts.ca_cert);
    if (!opts.enc_cert.empty()) {
        auto enc = load_certificate(opts.enc_cert);
        if (!enc)
            return enc.error();
        roles->encryption = *enc;
    }
    return *roles;
}

std::string fingerprint_line(const Botan::X509_Certificate& cert, asn1::digest_algorithm alg)
{
    auto hash = Botan::HashFunction::create_or_throw(asn1::botan_name(alg));
    hash->update(cert.BER_encode());
    const auto digest = hash->final_stdvec();
    std::string hex;
    for (std::size_t i = 0; i < digest.size(); ++i) {
        if (i)
            hex += ':';
        hex += Botan::hex_encode(&digest[i], 1, true);
    }
    return upper(asn1::cli_name(alg)) + " fingerprint: " + hex;
}

std::string to_pem(const std::vector<Botan::X509_Certificate>& certs)
{
    std::string out;
    for (const auto& c : certs)
        out += c.PEM_encode();
    return out;
}

} // namespace ascep::cli
