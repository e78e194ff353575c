#include "scep/query.hpp"

#include "scep/error.hpp"

#include "cms/x509_cache.hpp"

#include <botan/pkix_types.h>

namespace ascep::scep {
boost::system::result<query_message> make_request(message_type type, bytes data, const query_context& ctx,
                                                Botan::RandomNumberGenerator& rng)
{
    outgoing_message m;
    m.header.type = type;
    m.header.transaction_id = ctx.transaction_id;
    m.header.sender_nonce = bytes(nonce_size);
    rng.randomize(m.header.sender_nonce->data(), nonce_size);
    m.message_data = std::move(data);
    m.recipients = ctx.recipients;
    m.cipher = ctx.algorithms.cipher;
    m.digest = ctx.algorithms.digest;
    m.certificates = {ctx.signer.cert};
    m.now = ctx.now;
    auto body = make_pki_message(m, ctx.signer, rng);
    if (!body)
        return body.error();
    return query_message{std::move(*body), {type, ctx.transaction_id, *m.header.sender_nonce}};
}

boost::system::result<query_message> make_get_cert(const cms::issuer_and_serial& id, const query_context& ctx,
                                                   Botan::RandomNumberGenerator& rng)
{
    return make_request(message_type::get_cert, id.encode(), ctx, rng);
}

boost::system::result<query_message> make_get_crl(const cms::issuer_and_serial& id, const query_context& ctx,
                                                  Botan::RandomNumberGenerator& rng)
{
    return make_request(message_type::get_crl, id.encode(), ctx, rng);
}

boost::system::result<Botan::X509_Certificate> requested_certificate(const cert_rep& rep,
                                                                     const cms::issuer_and_serial& id)
{
    for (const auto& c : rep.certificates)
        if (id.matches(c))
            return c;
    return errc::missing_content;
}

boost::system::result<Botan::X509_CRL> verified_crl(const cert_rep& rep, const Botan::X509_Certificate& ca)
{
    if (rep.crls.empty())
        return errc::missing_content;
    const auto key = cms::public_key_of(ca);
    for (const auto& crl : rep.crls)
        if (crl.issuer_dn() == ca.subject_dn() && crl.check_signature(*key))
            return crl;
    return errc::untrusted_signer;
}

} // namespace ascep::scep
