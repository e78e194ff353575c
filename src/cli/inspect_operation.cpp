// inspect FILE: decodes a SCEP pkiMessage, a GetCACert response, any CMS
// SignedData/EnvelopedData, a certificate or a request, offline. This is
// what users reach for when a CA answers badMessageCheck, so everything that
// decodes is printed, and a signature that does not verify is reported as
// clearly as a decoding error: after the fields, with exit 97.
// This file: loading -c/-k/-l, deciding what the file is, chains and lists.
#include "cli/inspector.hpp"

#include "asn1/oids.hpp"
#include "cli/key_pass.hpp"
#include "cli/local_operations.hpp"
#include "cms/content_info.hpp"
#include "scep/message_data.hpp"

#include <algorithm>

namespace ascep::cli::inspection {
namespace {

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
        const auto pass = resolve_key_pass(opts);
        if (!pass)
            return pass.error();
        auto key = open_key(opts, opts.key, pass->get());
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

std::optional<Botan::X509_Certificate> decode_certificate(const bytes& der)
{
    try {
        return Botan::X509_Certificate(der.data(), der.size());
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

} // namespace

/// "1 certificate", "2 certificates".
std::string count_of(std::size_t n, const std::string& what)
{
    return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

std::optional<request_view> decode_request(const bytes& der)
{
    auto csr = scep::read_csr(der);
    if (!csr)
        return std::nullopt;
    return request_view{std::move(*csr), der};
}

inspector::inspector(const options& opts, reporter& out, inspect_keys keys)
    : opts_(opts), out_(out), keys_(std::move(keys))
{
}

int inspector::run(const inspect_input& in)
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

void inspector::emit(const description& d, const std::string& prefix, bool verbose_only)
{
    for (const auto& l : d.lines) {
        if (verbose_only)
            out_.verbose(prefix + l);
        else
            out_.info(prefix + l);
    }
}

int inspector::finish()
{
    if (problems_.empty())
        return out_.finish(0);
    std::string text;
    for (const auto& p : problems_)
        text += text.empty() ? p : "; " + p;
    return out_.finish(failure{outcome::pkcs7_error, text});
}

void inspector::set_kind(const char* kind, const std::string& text)
{
    out_.json()["kind"] = kind;
    line("kind", text);
}

void inspector::inspect_der(const bytes& der)
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

void inspector::inspect_pem_chain(const std::vector<bytes>& blocks)
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

void inspector::inspect_signed(const bytes& der)
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

void inspector::print_certificates(const std::vector<Botan::X509_Certificate>& certs, const std::string& prefix,
                                   const char* key, bool show, boost::json::object* into)
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

void inspector::print_crls(const std::vector<Botan::X509_CRL>& crls, const std::string& prefix,
                           boost::json::object& into)
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

} // namespace ascep::cli::inspection

namespace ascep::cli {

int run_inspect(const options& opts, reporter& out)
{
    auto data = read_file(opts.input_file);
    if (!data)
        return out.finish(data.error());
    auto keys = inspection::load_keys(opts);
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
    inspection::inspector ins(opts, out, std::move(*keys));
    return ins.run(*input);
}

} // namespace ascep::cli
