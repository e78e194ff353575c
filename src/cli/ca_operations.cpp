// getcaps, getca, getnextca: what a client learns about the CA.
#include "asn1/rfc4514.hpp"
#include "cli/files.hpp"
#include "cli/inspect_describe.hpp"
#include "cli/operations.hpp"
#include "cli/session.hpp"
#include "cms/signed_data.hpp"
#include "scep/ca_certs.hpp"
#include "scep/ca_roles.hpp"
#include "engine/operations.hpp"

#include <botan/pkix_types.h>

namespace ascep::cli {
namespace {

boost::json::object describe_certificate(const Botan::X509_Certificate& cert, asn1::digest_algorithm fp)
{
    boost::json::object o;
    o["subject"] = asn1::rfc4514(cert.subject_dn());
    o["issuer"] = asn1::rfc4514(cert.issuer_dn());
    o["key_usage"] = key_usage_text(cert.constraints());
    o["fingerprint"] = fingerprint_line(cert, fp);
    return o;
}

} // namespace

int run_getcaps(session& s)
{
    s.out.verbose("requesting CA capabilities");
    auto caps = s.run(engine::async_get_caps(s.ep, s.diag));
    if (!caps)
        return s.out.finish(s.failure_of(caps.error(), "GetCACaps failed"));
    boost::json::array list;
    for (const auto& k : caps->keywords) {
        s.out.info(k);
        list.emplace_back(k);
    }
    if (caps->keywords.empty())
        s.out.info("the CA advertises no capabilities");
    s.out.json()["capabilities"] = std::move(list);
    return s.out.finish(0);
}

int run_getca(session& s)
{
    const auto fp = s.opts.fingerprint.value_or(asn1::digest_algorithm::md5);
    s.out.verbose("requesting CA certificate");
    auto ca = s.run(engine::async_get_ca(s.ep, s.opts.ca_identifier, s.diag));
    if (!ca)
        return s.out.finish(s.failure_of(ca.error(), "GetCACert failed"));
    s.out.verbose("valid response from server");
    const auto& certs = ca->certificates;
    boost::json::array written;
    // What enroll -c will make of this set (the same selection), so that a
    // user sees which certificate does what before enrolling.
    const auto roles = scep::select_ca_roles(certs);
    const auto describe_role = [&](std::size_t i, boost::json::object& d) {
        if (!roles)
            return;
        const auto& note = roles->notes[i];
        s.out.verbose("  role: " + note.role + " (" + note.reason + ")");
        d["role"] = note.role;
        d["role_reason"] = note.reason;
    };

    if (certs.size() == 1) {
        s.out.info(fingerprint_line(certs[0], fp));
        if (auto w = write_text_atomic(s.opts.ca_cert, certs[0].PEM_encode()); !w)
            return s.out.finish(w.error());
        s.out.info("CA certificate written as " + s.opts.ca_cert);
        auto d = describe_certificate(certs[0], fp);
        d["file"] = s.opts.ca_cert;
        describe_role(0, d);
        written.emplace_back(std::move(d));
    } else {
        // A CA/RA chain (NDES): BASE-0, BASE-1, ... in the order received;
        // enroll -c BASE picks the roles by key usage.
        for (std::size_t i = 0; i < certs.size(); ++i) {
            const auto name = s.opts.ca_cert + "-" + std::to_string(i);
            s.out.info("found certificate with");
            s.out.info("  subject: '" + asn1::rfc4514(certs[i].subject_dn()) + "'");
            s.out.info("  issuer: '" + asn1::rfc4514(certs[i].issuer_dn()) + "'");
            s.out.info("  usage: " + key_usage_text(certs[i].constraints()));
            s.out.info(fingerprint_line(certs[i], fp));
            if (auto w = write_text_atomic(name, certs[i].PEM_encode()); !w)
                return s.out.finish(w.error());
            s.out.info("certificate written as " + name);
            auto d = describe_certificate(certs[i], fp);
            d["file"] = name;
            describe_role(i, d);
            written.emplace_back(std::move(d));
        }
    }
    s.out.json()["certificates"] = std::move(written);
    if (!roles) {
        s.out.warn("the CA's certificates leave a role open: " + roles.error().text);
        s.out.json()["roles_error"] = roles.error().text;
    }
    return s.out.finish(0);
}

int run_getnextca(session& s)
{
    auto current = s.load_ca_roles();
    if (!current)
        return s.out.finish(current.error());
    s.out.verbose("requesting next CA certificate");
    auto body = s.run(engine::async_get_next_ca(s.ep, s.opts.ca_identifier, s.diag));
    if (!body)
        return s.out.finish(s.failure_of(body.error(), "GetNextCACert failed"));
    // Nothing is written before the signature by the current CA checks out.
    auto next = scep::verify_next_ca(*body, current->signers);
    if (!next)
        return s.out.finish(s.failure_of(next.error(), "GetNextCACert response rejected"));
    s.out.verbose("valid response from server");

    const auto fp = s.opts.fingerprint.value_or(asn1::digest_algorithm::md5);
    boost::json::array list;
    for (const auto& c : *next) {
        s.out.info("found certificate with");
        s.out.info("  subject: '" + asn1::rfc4514(c.subject_dn()) + "'");
        s.out.info("  issuer: '" + asn1::rfc4514(c.issuer_dn()) + "'");
        s.out.info(fingerprint_line(c, fp));
        list.emplace_back(describe_certificate(c, fp));
    }
    if (auto w = write_text_atomic(s.opts.chain_out, to_pem(*next)); !w)
        return s.out.finish(w.error());
    s.out.info("next CA chain written as " + s.opts.chain_out);
    if (!s.opts.out.empty()) {
        // -w: the current CA/RA certificate that signed the response.
        const auto sd = cms::parse_signed_data(*body);
        for (const auto& c : current->signers) {
            if (sd && sd->signers.front().sid.matches(c)) {
                if (auto w = write_text_atomic(s.opts.out, c.PEM_encode()); !w)
                    return s.out.finish(w.error());
                s.out.info("signer certificate written as " + s.opts.out);
                break;
            }
        }
    }
    s.out.json()["certificates"] = std::move(list);
    return s.out.finish(0);
}

} // namespace ascep::cli
