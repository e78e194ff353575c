// inspect FILE: what any CMS structure shows. A signer's algorithms and
// signingTime, the check of its signature against -c or the carried
// certificates, an EnvelopedData's cipher and recipients and its decryption
// with -k/-l, and SignedData that is not a pkiMessage (GetNextCACert's too).
#include "cli/inspector.hpp"

#include "asn1/oids.hpp"
#include "asn1/rfc3339.hpp"
#include "asn1/rfc4514.hpp"

#include <botan/ber_dec.h>

#include <algorithm>

namespace ascep::cli::inspection {
namespace {

std::optional<std::string> signing_time_of(const cms::signer_info& si)
{
    const auto* attr = si.find(asn1::oids::signing_time);
    if (!attr)
        return std::nullopt;
    const auto value = attr->single_value();
    if (!value)
        return "(malformed)";
    try {
        Botan::X509_Time t;
        Botan::BER_Decoder(*value).decode(t).verify_end();
        return asn1::rfc3339(t);
    } catch (const std::exception&) {
        return "(malformed)";
    }
}

std::string key_transport_text(const std::string& botan_name)
{
    if (botan_name == "EME-PKCS1-v1_5")
        return "rsaEncryption (PKCS#1 v1.5)";
    return "RSAES-OAEP (" + botan_name + ")";
}

} // namespace

void inspector::print_signer_algorithms(const cms::signer_info& si, boost::json::object& j, const std::string& prefix)
{
    const std::string digest(asn1::cli_name(si.digest));
    j["digest"] = digest;
    line(prefix + "digest algorithm", digest + " (" + asn1::oid_of(si.digest).to_string() + ")");
    const auto sig_oid = si.signature_algorithm.to_string();
    const auto sig_name = signature_algorithm_name(si.signature_algorithm);
    j["signature_algorithm"] = sig_oid;
    if (!sig_name.empty())
        j["signature_algorithm_name"] = sig_name;
    line(prefix + "signature algorithm", sig_oid + (sig_name.empty() ? std::string() : " (" + sig_name + ")"));
    if (const auto t = signing_time_of(si)) {
        j["signing_time"] = *t;
        line(prefix + "signingTime", *t);
    }
}

void inspector::check_signature(const cms::signed_data& sd, const cms::signer_info& si, bool signed_by_sender,
                                boost::json::object& into, const verifier& verify, const std::string& prefix)
{
    struct candidate {
        const Botan::X509_Certificate* cert;
        bool from_ca_option; // -c, else carried in the message
    };
    std::vector<candidate> candidates;
    for (const auto& c : keys_.ca_certs)
        candidates.push_back({&c, true});
    if (keys_.ca_certs.empty() || signed_by_sender)
        for (const auto& c : sd.certificates)
            candidates.push_back({&c, false});
    const auto match = std::find_if(candidates.begin(), candidates.end(),
                                    [&](const candidate& c) { return si.sid.matches(*c.cert); });

    boost::json::object sig;
    if (match == candidates.end()) {
        std::string why;
        if (!keys_.ca_certs.empty())
            why = "the signer is none of the -c certificates (" + count_of(keys_.ca_certs.size(), "certificate") +
                  ")" + (signed_by_sender ? " and its certificate is not in the message" : "");
        else
            why = "the message does not carry the signer's certificate; give the CA/RA certificate with -c";
        sig["checked"] = false;
        sig["valid"] = false;
        sig["error"] = why;
        line(prefix + "signature", "NOT CHECKED: " + why);
        problem("signature not checked: " + why);
    } else {
        const auto subject = asn1::rfc4514(match->cert->subject_dn());
        const std::string with =
            (match->from_ca_option ? "the -c certificate " : "the carried certificate ") + subject;
        sig["checked"] = true;
        sig["checked_with"] = match->from_ca_option ? "ca_cert" : "carried";
        sig["certificate"] = subject;
        if (const auto ec = verify(*match->cert)) {
            sig["valid"] = false;
            sig["error"] = ec.message();
            line(prefix + "signature", "INVALID (checked with " + with + "): " + ec.message());
            problem("signature check failed (with " + with + "): " + ec.message());
        } else {
            sig["valid"] = true;
            line(prefix + "signature", "valid (checked with " + with + ")");
        }
    }
    into["signature"] = std::move(sig);
}

void inspector::print_envelope(const cms::enveloped_data& env, boost::json::object& into)
{
    boost::json::object e;
    const std::string cipher(asn1::cli_name(env.cipher));
    e["cipher"] = cipher;
    e["cipher_oid"] = asn1::oid_of(env.cipher).to_string();
    e["encrypted_size"] = env.encrypted_content.size();
    line("content cipher", cipher + " (" + asn1::botan_name(env.cipher) + ", " +
                               asn1::oid_of(env.cipher).to_string() + "), " +
                               std::to_string(env.encrypted_content.size()) + " bytes encrypted");
    if (!env.recipients.empty()) {
        e["key_transport"] = env.recipients.front().key_transport;
        line("key transport", key_transport_text(env.recipients.front().key_transport));
    }
    boost::json::array recipients;
    for (const auto& r : env.recipients) {
        auto d = describe_id(r.rid);
        std::string note;
        if (keys_.cert && r.rid.matches(*keys_.cert))
            note = " (the -l certificate)";
        for (const auto& c : keys_.ca_certs)
            if (note.empty() && r.rid.matches(c))
                note = " (the -c certificate " + asn1::rfc4514(c.subject_dn()) + ")";
        if (r.key_transport != env.recipients.front().key_transport)
            d.json["key_transport"] = r.key_transport;
        line("recipient", d.lines.front() + note);
        recipients.emplace_back(std::move(d.json));
    }
    if (env.recipients.empty())
        line("recipient", "none that uses key transport");
    e["recipients"] = std::move(recipients);
    into["envelope"] = std::move(e);
}

std::optional<bytes> inspector::decrypt(const cms::enveloped_data& env)
{
    auto plain = cms::decrypt(env, *keys_.key, *keys_.cert);
    if (!plain) {
        line("envelope", "cannot be decrypted with -k/-l: " + plain.error().message());
        problem("cannot decrypt the envelope with -k/-l: " + plain.error().message());
        return std::nullopt;
    }
    line("decrypted", std::to_string(plain->size()) + " bytes");
    return std::move(*plain);
}

void inspector::inspect_generic_signed(const cms::signed_data& sd)
{
    auto& j = out_.json();
    if (!j.contains("kind"))
        set_kind("signed_data", "PKCS#7 SignedData with " + count_of(sd.signers.size(), "signer"));
    j["content_type"] = sd.content_type.to_string();
    line("content type", sd.content_type.to_string());
    if (sd.content) {
        j["content_size"] = sd.content->size();
        line("content", std::to_string(sd.content->size()) + " bytes");
    } else {
        line("content", "none (detached)");
    }
    boost::json::array signers;
    for (std::size_t i = 0; i < sd.signers.size(); ++i) {
        const auto& si = sd.signers[i];
        const std::string prefix = "signer " + std::to_string(i) + " ";
        auto d = describe_id(si.sid);
        line("signer " + std::to_string(i), d.lines.front());
        print_signer_algorithms(si, d.json, prefix);
        check_signature(sd, si, false, d.json, [&](const Botan::X509_Certificate& cert) {
            return cms::verify_signer(sd, si, cert);
        }, prefix);
        signers.emplace_back(std::move(d.json));
    }
    j["signers"] = std::move(signers);
    print_certificates(sd.certificates, "certificate ", "certificates", true);
    print_crls(sd.crls, "crl ", j);
    // GetNextCACert: the content is the next CA chain.
    if (sd.content && sd.content_type == asn1::oids::data && !sd.content->empty()) {
        if (auto inner = cms::parse_signed_data(*sd.content); inner && inner->signers.empty()) {
            boost::json::object c;
            print_certificates(inner->certificates, "content certificate ", "certificates", true, &c);
            j["content_chain"] = std::move(c);
        }
    }
}

void inspector::inspect_enveloped(const bytes& der)
{
    set_kind("enveloped_data", "PKCS#7 EnvelopedData");
    auto env = cms::parse_enveloped_data(der);
    if (!env) {
        problem("EnvelopedData does not decode: " + env.error().message());
        return;
    }
    print_envelope(*env, out_.json());
    if (!keys_.key) {
        out_.verbose("give -k and -l to decrypt the envelope");
        return;
    }
    const auto plain = decrypt(*env);
    if (!plain)
        return;
    boost::json::object d;
    d["size"] = plain->size();
    // Say what the content is when it is something SCEP carries.
    if (auto sd = cms::parse_signed_data(*plain); sd && sd->signers.empty()) {
        print_degenerate(*plain, d);
    } else {
        if (auto req = decode_request(*plain))
            print_request(*req, "request ", &d);
    }
    out_.json()["decrypted"] = std::move(d);
}

} // namespace ascep::cli::inspection
