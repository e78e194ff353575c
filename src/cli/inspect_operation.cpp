// inspect FILE: decodes a SCEP pkiMessage, a GetCACert response, any CMS
// SignedData/EnvelopedData, a certificate or a request, offline. This is
// what users reach for when a CA answers badMessageCheck, so everything that
// decodes is printed, and a signature that does not verify is reported as
// clearly as a decoding error: after the fields, with exit 97.
#include "asn1/oids.hpp"
#include "cli/key_source.hpp"
#include "cli/files.hpp"
#include "cli/inspect_describe.hpp"
#include "cli/inspect_input.hpp"
#include "cli/local_operations.hpp"
#include "cms/content_info.hpp"
#include "cms/enveloped_data.hpp"
#include "cms/signed_data.hpp"
#include "scep/csr.hpp"
#include "scep/message_data.hpp"
#include "scep/pki_message.hpp"
#include "scep/transaction_id.hpp"

#include <botan/auto_rng.h>
#include <botan/data_src.h>
#include <botan/pkix_types.h>
#include <botan/x509_key.h>

#include <algorithm>
#include <memory>
#include <optional>

namespace ascep::cli {
namespace {

/// What inspect was given besides FILE.
struct inspect_keys {
    std::vector<Botan::X509_Certificate> ca_certs; // -c: CA and RA certificates
    key_handle key;                                // -k (a file or a token key)
    std::optional<Botan::X509_Certificate> cert;   // -l
};

file_result<inspect_keys> load_keys(const options& opts)
{
    inspect_keys keys;
    if (!opts.ca_cert.empty()) {
        auto certs = load_ca_certificates(opts.ca_cert);
        if (!certs)
            return certs.error();
        keys.ca_certs = std::move(*certs);
    }
    if (!opts.key.empty()) {
        auto key = open_key(opts, opts.key);
        if (!key)
            return key.error();
        keys.key = std::move(*key);
    }
    if (opts.key.empty() != opts.local_cert.empty())
        return failure{outcome::general_error, "inspect needs -k and -l together to decrypt"};
    if (!opts.local_cert.empty()) {
        auto cert = load_certificate(opts.local_cert);
        if (!cert)
            return cert.error();
        keys.cert = std::move(*cert);
    }
    return keys;
}

bool is_certificate_label(const std::string& label)
{
    return label == "CERTIFICATE" || label == "X509 CERTIFICATE" || label == "TRUSTED CERTIFICATE";
}

bool is_request_type(scep::message_type t)
{
    return t != scep::message_type::cert_rep;
}

/// The messageType number as sent: read from the attribute itself, because
/// incoming_message::header.type means nothing for a number RFC 8894 lacks.
std::optional<int> message_type_number(const cms::signer_info& si)
{
    const auto* attr = si.find(asn1::oids::scep_message_type);
    if (!attr)
        return std::nullopt;
    const auto value = attr->single_value();
    if (!value)
        return std::nullopt;
    const auto text = cms::decode_string(*value);
    if (!text || text->empty() || text->size() > 9 ||
        !std::all_of(text->begin(), text->end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    return std::stoi(*text);
}

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
        return time_text(t);
    } catch (const std::exception&) {
        return "(malformed)";
    }
}

/// "1 certificate", "2 certificates".
std::string count_of(std::size_t n, const std::string& what)
{
    return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

std::string key_transport_text(const std::string& botan_name)
{
    if (botan_name == "EME-PKCS1-v1_5")
        return "rsaEncryption (PKCS#1 v1.5)";
    return "RSAES-OAEP (" + botan_name + ")";
}

std::optional<Botan::X509_Certificate> decode_certificate(const bytes& der)
{
    try {
        return Botan::X509_Certificate(der.data(), der.size());
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

/// A PKCS#10 request and its DER (for the signature check). Read with
/// scep::read_csr, not Botan's PKCS10_Request, which refuses the version 2
/// that iOS devices send and any request whose signature does not verify,
/// where inspect should show what decodes and say what is wrong.
struct request_view {
    scep::csr_summary csr;
    bytes der;
};

std::optional<request_view> decode_request(const bytes& der)
{
    auto csr = scep::read_csr(der);
    if (!csr)
        return std::nullopt;
    return request_view{std::move(*csr), der};
}

class inspector {
public:
    inspector(const options& opts, reporter& out, inspect_keys keys)
        : opts_(opts), out_(out), keys_(std::move(keys))
    {
    }

    int run(const inspect_input& in)
    {
        out_.json()["file"] = opts_.input_file;
        out_.json()["format"] = name_of(in.format);
        if (!in.pem_labels.empty()) {
            boost::json::array labels;
            for (const auto& l : in.pem_labels)
                labels.emplace_back(l);
            out_.json()["pem_labels"] = std::move(labels);
        }
        line("format", name_of(in.format) +
                           (in.pem_labels.empty() ? std::string() : " (" + in.pem_labels.front() + ")"));

        // PEM: the first block that is not a certificate is the message; a
        // file of certificates only is a chain (getca output, a CA bundle).
        std::size_t index = 0;
        if (in.format == inspect_input::encoding::pem) {
            const auto message = std::find_if(in.pem_labels.begin(), in.pem_labels.end(),
                                              [](const std::string& l) { return !is_certificate_label(l); });
            if (message == in.pem_labels.end() && in.blocks.size() > 1) {
                inspect_pem_chain(in.blocks);
                return finish();
            }
            if (message != in.pem_labels.end())
                index = static_cast<std::size_t>(message - in.pem_labels.begin());
        }
        inspect_der(in.blocks.at(index));
        return finish();
    }

private:
    const options& opts_;
    reporter& out_;
    inspect_keys keys_;
    Botan::AutoSeeded_RNG rng_;
    std::vector<std::string> problems_;
    /// Why a pkiMessage's envelope did not decode, when it did not.
    std::string envelope_error_;

    void line(const std::string& label, const std::string& text) { out_.info(label + ": " + text); }
    void emit(const description& d, const std::string& prefix, bool verbose_only = false)
    {
        for (const auto& l : d.lines) {
            if (verbose_only)
                out_.verbose(prefix + l);
            else
                out_.info(prefix + l);
        }
    }
    void problem(std::string what) { problems_.push_back(std::move(what)); }

    int finish()
    {
        if (problems_.empty())
            return out_.finish(0);
        std::string text;
        for (const auto& p : problems_)
            text += text.empty() ? p : "; " + p;
        return out_.finish(failure{outcome::pkcs7_error, text});
    }

    void set_kind(const char* kind, const std::string& text)
    {
        out_.json()["kind"] = kind;
        line("kind", text);
    }

    // --- what the file is --------------------------------------------------

    void inspect_der(const bytes& der)
    {
        std::optional<Botan::OID> type;
        try {
            type = cms::read_content_info(der).content_type;
        } catch (const std::exception&) {
        }
        if (type) {
            if (*type == asn1::oids::signed_data)
                inspect_signed(der);
            else if (*type == asn1::oids::enveloped_data)
                inspect_enveloped(der);
            else {
                set_kind("content_info", "PKCS#7 ContentInfo of type " + type->to_string());
                out_.json()["content_type"] = type->to_string();
                problem("PKCS#7 content type " + type->to_string() + " is neither SignedData nor EnvelopedData");
            }
            return;
        }
        if (auto cert = decode_certificate(der)) {
            set_kind("certificate", cert->is_CA_cert() ? "certificate (a CA's: a GetCACert response without RA)"
                                                       : "certificate");
            print_certificates({*cert}, "certificate: ", "certificates", true);
            return;
        }
        if (auto req = decode_request(der)) {
            set_kind("certificate_request", "PKCS#10 certificate request");
            print_request(*req, "request ");
            return;
        }
        set_kind("unknown", "not recognized");
        problem(opts_.input_file + ": not a SCEP message, PKCS#7 structure, certificate or certificate request");
    }

    void inspect_pem_chain(const std::vector<bytes>& blocks)
    {
        std::vector<Botan::X509_Certificate> certs;
        try {
            for (const auto& b : blocks)
                certs.emplace_back(b.data(), b.size());
        } catch (const std::exception& e) {
            set_kind("unknown", "PEM certificates");
            problem(opts_.input_file + ": certificate " + std::to_string(certs.size()) + " does not decode (" +
                    e.what() + ")");
            return;
        }
        set_kind("ca_certs", "certificate chain (PEM, " + count_of(certs.size(), "certificate") + ")");
        print_certificates(certs, "certificate ", "certificates", true);
    }

    void inspect_signed(const bytes& der)
    {
        auto sd = cms::parse_signed_data(der);
        if (!sd) {
            set_kind("signed_data", "PKCS#7 SignedData");
            problem("SignedData does not decode: " + sd.error().message());
            return;
        }
        if (sd->signers.empty()) {
            set_kind("ca_certs", "GetCACert response (degenerate PKCS#7, " +
                                     count_of(sd->certificates.size(), "certificate") + ", " +
                                     count_of(sd->crls.size(), "CRL") + ")");
            print_certificates(sd->certificates, "certificate ", "certificates", true);
            print_crls(sd->crls, "crl ", out_.json());
            if (sd->certificates.empty() && sd->crls.empty())
                problem("the degenerate PKCS#7 holds no certificate and no CRL");
            return;
        }
        const auto& first = sd->signers.front();
        const bool scep_like = sd->signers.size() == 1 && (first.find(asn1::oids::scep_message_type) ||
                                                           first.find(asn1::oids::scep_transaction_id));
        if (scep_like) {
            auto msg = scep::parse_pki_message(der, true);
            if (msg) {
                inspect_pki_message(*msg);
                return;
            }
            // With one signer and a readable header, what failed is the
            // pkcsPKIEnvelope: still show the header, which is what the CA
            // and the client compare.
            bool unknown_type = false;
            auto header = scep::read_header(first.signed_attributes, unknown_type);
            if (header) {
                envelope_error_ = msg.error().message();
                problem("the pkcsPKIEnvelope does not decode: " + envelope_error_);
                inspect_pki_message(scep::incoming_message{*sd, *header, std::nullopt, !unknown_type});
                return;
            }
            problem("not a valid SCEP pkiMessage: " + msg.error().message());
        }
        inspect_generic_signed(*sd);
    }

    // --- SCEP pkiMessage ---------------------------------------------------

    void inspect_pki_message(const scep::incoming_message& msg)
    {
        const auto& h = msg.header;
        const auto& si = msg.signer();
        auto& j = out_.json();
        set_kind("pki_message", "SCEP pkiMessage");

        const auto number = message_type_number(si);
        const std::string type_name = msg.known_type ? std::string(scep::name(h.type)) : "unknown";
        j["message_type"] = type_name;
        if (number)
            j["message_type_number"] = *number;
        line("messageType", type_name + (number ? " (" + std::to_string(*number) + ")" : std::string()));
        if (!msg.known_type)
            problem("messageType " + (number ? std::to_string(*number) : std::string("?")) +
                    " is not one RFC 8894 defines");

        j["transaction_id"] = h.transaction_id;
        line("transactionID", h.transaction_id);
        print_nonce("senderNonce", "sender_nonce", h.sender_nonce);
        print_nonce("recipientNonce", "recipient_nonce", h.recipient_nonce);
        if (h.status)
            print_value("pkiStatus", "pki_status", scep::name(*h.status), static_cast<int>(*h.status));
        if (h.fail_info)
            print_value("failInfo", "fail_info", scep::name(*h.fail_info), static_cast<int>(*h.fail_info));
        if (h.fail_info_text) {
            j["fail_info_text"] = *h.fail_info_text;
            line("failInfoText", *h.fail_info_text);
        }
        if (msg.known_type && h.type == scep::message_type::cert_rep && !h.status)
            out_.warn("a CertRep without pkiStatus");

        print_signer_algorithms(si, j);

        // The signer, and whether the message carries its certificate: a
        // request must (the CA encrypts the reply to it); NDES replies do not.
        auto signer = describe_id(si.sid);
        const auto* carried = msg.signed_data.find_certificate(si.sid);
        signer.json["certificate_carried"] = carried != nullptr;
        line("signer", signer.lines.front());
        if (carried) {
            signer.json["certificate_subject"] = carried->subject_dn().to_string();
            line("signer certificate", "carried, matches the signer (" + carried->subject_dn().to_string() + ")");
        } else {
            const auto n = msg.signed_data.certificates.size();
            line("signer certificate", n == 0 ? std::string("not carried (the message holds no certificate)")
                                              : "not carried (none of the " + count_of(n, "certificate") +
                                                    " in the message is the signer)");
        }
        j["signer"] = std::move(signer.json);
        print_certificates(msg.signed_data.certificates, "carried certificate ", "certificates", false);

        if (msg.envelope)
            print_envelope(*msg.envelope, j);
        else
            line("envelope", envelope_error_.empty() ? "none" : "does not decode: " + envelope_error_);

        const bool request = msg.known_type && is_request_type(h.type);
        check_signature(msg.signed_data, si, request, j, [&](const Botan::X509_Certificate& cert) {
            return scep::verify_signature(msg, std::span<const Botan::X509_Certificate>(&cert, 1));
        });

        if (msg.envelope)
            decrypt_message(msg);
    }

    /// "pkiStatus: FAILURE (2)"; JSON pki_status and pki_status_number.
    void print_value(const char* label, const std::string& key, std::string_view name, int number)
    {
        out_.json()[key] = name;
        out_.json()[key + "_number"] = number;
        line(label, std::string(name) + " (" + std::to_string(number) + ")");
    }

    void print_nonce(const char* label, const char* key, const std::optional<bytes>& nonce)
    {
        if (!nonce)
            return;
        out_.json()[key] = hex_of(*nonce);
        line(label, hex_of(*nonce));
        if (nonce->size() != scep::nonce_size)
            out_.warn(std::string(label) + " is " + std::to_string(nonce->size()) + " bytes; RFC 8894 requires " +
                      std::to_string(scep::nonce_size));
    }

    void print_signer_algorithms(const cms::signer_info& si, boost::json::object& j, const std::string& prefix = "")
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

    // --- signature ---------------------------------------------------------

    /// Checks one signer. With -c the signer must be one of those CA/RA
    /// certificates; a request is signed by its sender, so its carried
    /// certificate counts too. Without -c the carried certificate is used.
    template <typename Verify>
    void check_signature(const cms::signed_data& sd, const cms::signer_info& si, bool signed_by_sender,
                         boost::json::object& into, Verify&& verify, const std::string& prefix = "")
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
            const auto subject = match->cert->subject_dn().to_string();
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

    // --- envelope ----------------------------------------------------------

    void print_envelope(const cms::enveloped_data& env, boost::json::object& into)
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
                    note = " (the -c certificate " + c.subject_dn().to_string() + ")";
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

    /// The envelope's content, or nullopt (and a problem) when it does not open.
    std::optional<bytes> decrypt(const cms::enveloped_data& env)
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

    void decrypt_message(const scep::incoming_message& msg)
    {
        if (!keys_.key) {
            out_.verbose("give -k and -l to decrypt the envelope");
            return;
        }
        const auto plain = decrypt(*msg.envelope);
        if (!plain)
            return;
        boost::json::object d;
        d["size"] = plain->size();
        if (!msg.known_type) {
            out_.json()["decrypted"] = std::move(d);
            return;
        }
        switch (msg.header.type) {
        case scep::message_type::pkcs_req:
        case scep::message_type::renewal_req:
            print_csr(*plain, msg.header.transaction_id, d);
            break;
        case scep::message_type::cert_poll:
            if (auto ias = scep::parse_issuer_and_subject(*plain)) {
                const auto issuer = name_text(ias->issuer);
                const auto subject = name_text(ias->subject);
                d["issuer_and_subject"] = {{"issuer", issuer}, {"subject", subject}};
                line("IssuerAndSubject issuer", issuer);
                line("IssuerAndSubject subject", subject);
            } else {
                problem("the decrypted CertPoll content is not an IssuerAndSubject");
            }
            break;
        case scep::message_type::get_cert:
        case scep::message_type::get_crl:
            if (auto ias = scep::parse_issuer_and_serial(*plain)) {
                const auto issuer = name_text(ias->issuer);
                auto serial = hex_of(Botan::BigInt::encode(ias->serial));
                if (serial.empty())
                    serial = "00";
                d["issuer_and_serial"] = {{"issuer", issuer}, {"serial", serial}};
                line("IssuerAndSerialNumber issuer", issuer);
                line("IssuerAndSerialNumber serial", serial);
            } else {
                problem("the decrypted content is not an IssuerAndSerialNumber");
            }
            break;
        case scep::message_type::cert_rep:
            print_degenerate(*plain, d);
            break;
        }
        out_.json()["decrypted"] = std::move(d);
    }

    void print_csr(const bytes& der, const std::string& transaction_id, boost::json::object& into)
    {
        const auto req = decode_request(der);
        if (!req) {
            problem("the decrypted content is not a PKCS#10 request");
            return;
        }
        print_request(*req, "request ", &into);
        try {
            const std::unique_ptr<Botan::Public_Key> key(Botan::X509::load_key(req->csr.subject_public_key_info));
            const bool sscep_id = scep::transaction_id_for(*key) == transaction_id;
            into["transaction_id_from_key"] = sscep_id;
            out_.verbose(sscep_id ? "transactionID is the MD5 of the request's public key (as sscep makes it)"
                                  : "transactionID is not the MD5 of the request's public key");
        } catch (const std::exception&) {
            // describe_request has said that the key cannot be read.
        }
    }

    void print_request(const request_view& req, const std::string& prefix, boost::json::object* into = nullptr)
    {
        auto d = describe_request(req.csr, req.der);
        emit(d, prefix);
        if (const auto warning = scep::csr_version_warning(req.csr))
            out_.warn(*warning);
        if (!d.json.at("signature_valid").as_bool())
            problem("the certificate request's self-signature does not verify");
        (into ? *into : out_.json())["csr"] = std::move(d.json);
    }

    /// A CertRep SUCCESS holds a degenerate SignedData: the issued
    /// certificate (PKCSReq, RenewalReq, CertPoll, GetCert) or a CRL (GetCRL).
    void print_degenerate(const bytes& der, boost::json::object& into)
    {
        auto sd = cms::parse_signed_data(der);
        if (!sd) {
            problem("the decrypted content is not a degenerate PKCS#7: " + sd.error().message());
            return;
        }
        print_certificates(sd->certificates, "issued certificate ", "certificates", true, &into);
        print_crls(sd->crls, "crl ", into);
        if (sd->certificates.empty() && sd->crls.empty())
            problem("the decrypted content holds no certificate and no CRL");
    }

    // --- other CMS ---------------------------------------------------------

    void inspect_generic_signed(const cms::signed_data& sd)
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

    void inspect_enveloped(const bytes& der)
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

    // --- lists -------------------------------------------------------------

    void print_certificates(const std::vector<Botan::X509_Certificate>& certs, const std::string& prefix,
                            const char* key, bool show, boost::json::object* into = nullptr)
    {
        boost::json::array list;
        const Botan::Public_Key* ours = keys_.key ? &keys_.key->public_key() : nullptr;
        for (std::size_t i = 0; i < certs.size(); ++i) {
            auto d = describe_certificate(certs[i], ours);
            // "certificate: " for a lone one, "certificate 0: " in a list.
            const bool numbered = !prefix.ends_with(": ");
            emit(d, numbered ? prefix + std::to_string(i) + ": " : prefix, !show);
            list.emplace_back(std::move(d.json));
        }
        (into ? *into : out_.json())[key] = std::move(list);
    }

    void print_crls(const std::vector<Botan::X509_CRL>& crls, const std::string& prefix, boost::json::object& into)
    {
        if (crls.empty())
            return;
        boost::json::array list;
        for (std::size_t i = 0; i < crls.size(); ++i) {
            auto d = describe_crl(crls[i]);
            emit(d, prefix + std::to_string(i) + ": ");
            list.emplace_back(std::move(d.json));
        }
        into["crls"] = std::move(list);
    }
};

} // namespace

int run_inspect(const options& opts, reporter& out)
{
    auto data = read_file(opts.input_file);
    if (!data)
        return out.finish(data.error());
    auto keys = load_keys(opts);
    if (!keys)
        return out.finish(keys.error());
    if (keys->key && keys->cert && keys->cert->subject_public_key_bitstring() != keys->key->public_key().public_key_bits())
        out.warn("the -l certificate does not carry the -k key");

    std::string why;
    const auto input = decode_inspect_input(*data, why);
    if (!input) {
        out.json()["file"] = opts.input_file;
        return out.finish(failure{outcome::pkcs7_error, opts.input_file + ": " + why});
    }
    out.verbose("read " + std::to_string(data->size()) + " bytes from " + opts.input_file);
    inspector ins(opts, out, std::move(*keys));
    return ins.run(*input);
}

} // namespace ascep::cli
