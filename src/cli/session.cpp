#include "cli/session.hpp"

#include "cli/files.hpp"
#include "engine/client_impl.hpp"
#include "transport/proxy_env.hpp"

#include <botan/hash.h>
#include <botan/hex.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace ascep::cli {
namespace {

// -p (or the config file's Proxy) wins over the environment; NO_PROXY applies
// to both, as in curl. Problems with the environment are warnings: the
// variable is ignored and the request goes direct.
std::unique_ptr<ascep::client::impl> client_for(boost::asio::any_io_executor ex, const options& opts, reporter& out)
{
    const auto env = transport::read_proxy_environment([](const char* name) { return std::getenv(name); });
    const auto settings = client_options_of(opts);
    auto o = engine::transport_options_for(settings, env);
    const auto target = transport::parse_url(opts.url);
    const bool https = target && target->scheme == transport::scheme::https;
    if (opts.proxy.empty()) {
        for (const auto& problem : env.problems)
            if (problem.starts_with(https ? "https_proxy" : "http_proxy") ||
                problem.starts_with(https ? "HTTPS_PROXY" : "HTTP_PROXY"))
                out.warn(problem + " (ignored)");
    }
    if (target) {
        const auto* via = transport::select_proxy(*target, o.proxy, o.http_proxy, o.https_proxy, o.no_proxy);
        const auto& source = !opts.proxy.empty() ? std::string("-p") : https ? env.https_source : env.http_source;
        const auto* wanted = !opts.proxy.empty() ? &o.proxy : https ? &o.https_proxy : &o.http_proxy;
        if (via != nullptr)
            out.verbose("using proxy " + via->authority() + " (" + source + ")");
        else if (*wanted)
            out.verbose("not using proxy " + (*wanted)->authority() + " for " + target->host + " (" +
                        env.no_proxy_source + ")");
    }
    if (opts.insecure)
        out.warn("--insecure: the https:// server's certificate and host name are NOT verified; anyone on the "
                 "network path can read and change this exchange");
    return std::make_unique<ascep::client::impl>(ex, std::move(o), settings);
}

std::string upper(std::string_view s)
{
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::toupper(c); });
    return out;
}

} // namespace

session::session(const options& o, reporter& r)
    : opts(o), out(r), client(client_for(ioc.get_executor(), o, r)), ep(client.internals().ep)
{
}

ascep::client_options client_options_of(const options& opts)
{
    ascep::client_options c;
    c.url = opts.url;
    for (const auto& q : opts.query)
        c.query.emplace_back(q.name, q.value);
    c.proxy = opts.proxy;
    c.tls_ca_file = opts.tls_ca_file;
    c.tls_ca_path = opts.tls_ca_path;
    c.insecure = opts.insecure;
    if (opts.timeout)
        c.timeout = *opts.timeout;
    if (opts.connect_retry)
        c.connect_retry = *opts.connect_retry;
    return c;
}

failure session::failure_of(const boost::system::error_code& ec, const std::string& what,
                            const transport::diagnostics& d) const
{
    return {outcome_of(ec), what + ": " + transport::describe(ec, d)};
}

file_result<std::vector<Botan::X509_Certificate>> session::load_ca_chain() const
{
    return load_ca_certificates(opts.ca_cert);
}

file_result<scep::ca_roles> session::load_ca_roles() const
{
    auto chain = load_ca_chain();
    if (!chain)
        return chain.error();
    std::optional<Botan::X509_Certificate> enc;
    if (!opts.enc_cert.empty()) {
        auto loaded = load_certificate(opts.enc_cert);
        if (!loaded)
            return loaded.error();
        enc = std::move(*loaded);
    }
    auto roles = scep::select_ca_roles(*chain, enc ? &*enc : nullptr);
    if (!roles)
        return file_failure(opts.ca_cert + ": " + roles.error().text);
    return std::move(*roles);
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
