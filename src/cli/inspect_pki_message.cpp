// inspect FILE: a SCEP pkiMessage. The header (messageType, transactionID,
// nonces, pkiStatus, failInfo), the signer and whether its certificate is
// carried, the envelope, the signature, and with -k/-l the decrypted
// content: the request, the IssuerAndSubject or IssuerAndSerialNumber, or
// the issued certificate of a CertRep.
#include "cli/inspector.hpp"

#include "asn1/oids.hpp"
#include "asn1/rfc4514.hpp"
#include "scep/message_data.hpp"
#include "scep/transaction_id.hpp"

#include <botan/x509_key.h>

#include <algorithm>
#include <span>

namespace ascep::cli::inspection {
namespace {

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

} // namespace

void inspector::inspect_pki_message(const scep::incoming_message& msg)
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
        signer.json["certificate_subject"] = asn1::rfc4514(carried->subject_dn());
        line("signer certificate", "carried, matches the signer (" + asn1::rfc4514(carried->subject_dn()) + ")");
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

void inspector::print_value(const char* label, const std::string& key, std::string_view name, int number)
{
    out_.json()[key] = name;
    out_.json()[key + "_number"] = number;
    line(label, std::string(name) + " (" + std::to_string(number) + ")");
}

void inspector::print_nonce(const char* label, const char* key, const std::optional<bytes>& nonce)
{
    if (!nonce)
        return;
    out_.json()[key] = hex_of(*nonce);
    line(label, hex_of(*nonce));
    if (nonce->size() != scep::nonce_size)
        out_.warn(std::string(label) + " is " + std::to_string(nonce->size()) + " bytes; RFC 8894 requires " +
                  std::to_string(scep::nonce_size));
}

void inspector::decrypt_message(const scep::incoming_message& msg)
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

void inspector::print_csr(const bytes& der, const std::string& transaction_id, boost::json::object& into)
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

void inspector::print_request(const request_view& req, const std::string& prefix, boost::json::object* into)
{
    auto d = describe_request(req.csr, req.der);
    emit(d, prefix);
    if (const auto warning = scep::csr_version_warning(req.csr))
        out_.warn(*warning);
    if (!d.json.at("signature_valid").as_bool())
        problem("the certificate request's self-signature does not verify");
    (into ? *into : out_.json())["csr"] = std::move(d.json);
}

void inspector::print_degenerate(const bytes& der, boost::json::object& into)
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

} // namespace ascep::cli::inspection
