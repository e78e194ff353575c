#include "testca/service.hpp"

#include "asn1/ber.hpp"
#include "asn1/hex_digit.hpp"
#include "asn1/oids.hpp"
#include "asn1/rfc4514.hpp"
#include "cms/signed_data.hpp"
#include "scep/csr.hpp"
#include "scep/message_data.hpp"
#include "scep/request.hpp"

#include <botan/base64.h>
#include <botan/x509_key.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <iostream>

namespace ascep::testca {
namespace {

using bytes = std::vector<std::uint8_t>;

constexpr std::string_view pki_message_type = "application/x-pki-message";

bool iequals(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
               return std::tolower(x) == std::tolower(y);
           });
}

std::string percent_decode(std::string_view in)
{
    std::string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '%' && i + 2 < in.size()) {
            const int hi = asn1::hex_value(in[i + 1]);
            const int lo = asn1::hex_value(in[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out.push_back(static_cast<char>(hi * 16 + lo));
                i += 2;
                continue;
            }
        }
        out.push_back(in[i]);
    }
    return out;
}

bytes to_bytes(std::string_view text)
{
    return bytes(text.begin(), text.end());
}

http_reply text_reply(unsigned status, std::string text, std::string log)
{
    return {status, "text/plain", to_bytes(text + "\n"), std::move(log)};
}

std::string short_text(const std::string& s)
{
    return s.size() > 80 ? s.substr(0, 80) + "..." : s;
}

/// --strict: who signed a request, for the log, so that a test can tell a
/// renewal signed by the current certificate from a self-signed request.
std::string signer_text(const Botan::X509_Certificate& signer, bool issued_here)
{
    const char* what = issued_here                                ? "issued here"
                       : signer.issuer_dn() == signer.subject_dn() ? "self-signed"
                                                                   : "not issued here";
    return "signer=" + serial_hex(Botan::BigInt(signer.serial_number())) + " (" + what + ")";
}

/// "RA-sign,RA-enc,CA,root": the roles of a served chain in the order served,
/// so that a log shows what a client was given.
std::string describe_chain(const std::vector<Botan::X509_Certificate>& chain, const ca_material& ca)
{
    std::string out;
    for (const auto& cert : chain) {
        if (!out.empty())
            out += ',';
        if (cert == ca.ca.cert)
            out += "CA";
        else if (ca.root && cert == *ca.root)
            out += "root";
        else if (ca.ra_sign && cert == ca.ra_sign->cert)
            out += "RA-sign";
        else if (ca.ra_enc && cert == ca.ra_enc->cert)
            out += "RA-enc";
        else
            out += "?";
    }
    return out;
}

} // namespace

std::vector<std::string> default_caps()
{
    return {"POSTPKIOperation", "SHA-256", "SHA-512", "SHA-1", "AES", "DES3", "Renewal", "GetNextCACert",
            "SCEPStandard"};
}

std::vector<std::string> parse_caps_list(std::string_view list)
{
    std::vector<std::string> out;
    std::string word;
    for (char c : list) {
        if (c == ',' || std::isspace(static_cast<unsigned char>(c))) {
            if (!word.empty())
                out.push_back(std::move(word));
            word.clear();
        } else {
            word.push_back(c);
        }
    }
    if (!word.empty())
        out.push_back(std::move(word));
    return out;
}

std::optional<std::string> query_parameter(std::string_view query, std::string_view name)
{
    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        const auto eq = pair.find('=');
        const auto key = percent_decode(pair.substr(0, eq));
        if (key == name)
            return eq == std::string_view::npos ? std::string{} : percent_decode(pair.substr(eq + 1));
    }
    return std::nullopt;
}

/// One PKIOperation on its way through the service.
struct service::exchange {
    scep::checked_request request;
    clock::time_point now;
    std::string what; // "PKCSReq tid=..."
};

service::service(service_options opts, state_store& store, ca_material ca, Botan::RandomNumberGenerator& rng)
    : opts_(std::move(opts)), store_(store), ca_(std::move(ca)), rng_(rng)
{
}

http_reply service::handle(std::string_view method, std::string_view target, std::span<const std::uint8_t> body,
                           clock::time_point now)
{
    const auto q = target.find('?');
    const auto query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
    const auto operation = query_parameter(query, "operation");
    if (!operation)
        return text_reply(400, "missing operation parameter", "- 400 no operation");
    const bool get = method == "GET";
    if (!get && method != "POST")
        return text_reply(405, "only GET and POST are served", *operation + " 405 " + std::string(method));

    try {
        if (iequals(*operation, "GetCACaps")) {
            std::string text;
            for (const auto& c : opts_.caps)
                text += c + "\n";
            return {200, "text/plain", to_bytes(text), "GetCACaps 200"};
        }
        if (iequals(*operation, "GetCACert"))
            return get_ca_cert();
        if (iequals(*operation, "GetNextCACert"))
            return get_next_ca_cert(now);
        if (iequals(*operation, "PKIOperation")) {
            if (!get)
                return pki_operation(body, now);
            auto message = query_parameter(query, "message");
            if (!message || message->empty())
                return text_reply(400, "PKIOperation by GET needs a message parameter", "PKIOperation 400 no message");
            // Lenient: a '+' that went through form decoding arrives as ' '.
            std::replace(message->begin(), message->end(), ' ', '+');
            bytes der;
            try {
                const auto decoded = Botan::base64_decode(*message, true);
                der.assign(decoded.begin(), decoded.end());
            } catch (const std::exception&) {
                return text_reply(400, "message is not base64", "PKIOperation 400 bad base64");
            }
            return pki_operation(der, now);
        }
        return text_reply(400, "unknown operation '" + short_text(*operation) + "'",
                          short_text(*operation) + " 400 unknown operation");
    } catch (const std::bad_alloc&) {
        throw;
    } catch (const std::exception& e) {
        return text_reply(500, std::string("internal error: ") + e.what(), *operation + " 500 " + e.what());
    }
}

http_reply service::get_ca_cert()
{
    if (!ca_.serves_chain())
        return {200, "application/x-x509-ca-cert", ca_.ca.cert.BER_encode(), "GetCACert 200 CA"};
    const auto chain = arrange_chain(ca_.levels(), opts_.order, rng_);
    return {200, "application/x-x509-ca-ra-cert", cms::make_certs_only(chain),
            "GetCACert 200 " + describe_chain(chain, ca_) + " (" + std::string(name(opts_.order)) + ")"};
}

http_reply service::get_next_ca_cert(clock::time_point now)
{
    const auto next = store_.load_identity("next-ca");
    if (!next)
        return text_reply(404, "no rollover CA (run ascep-testca rollover)", "GetNextCACert 404");
    // Under a root, the next issuing CA comes with that root, as GetCACert
    // serves the current one.
    chain_levels levels{{next->cert}};
    if (ca_.root)
        levels.push_back({*ca_.root});
    cms::signing_request req;
    req.content_type = asn1::oids::data;
    req.content = cms::make_certs_only(arrange_chain(levels, opts_.order, rng_));
    req.signing_time = now;
    req.certificates = {ca_.ca.cert};
    auto signed_chain = cms::make_signed_data(req, *ca_.ca.ops, ca_.ca.cert);
    if (!signed_chain)
        return text_reply(500, "cannot sign: " + signed_chain.error().message(), "GetNextCACert 500");
    return {200, "application/x-x509-next-ca-cert", std::move(*signed_chain), "GetNextCACert 200"};
}

http_reply service::pki_operation(std::span<const std::uint8_t> der, clock::time_point now)
{
    const scep::signing_identity ca_identity = ca_.ca.signing();
    const scep::request_keys keys{ca_.decryptor().signing(), ca_.ra_enc ? &ca_identity : nullptr};
    auto checked = scep::check_request(der, keys);
    if (!checked)
        return text_reply(400, "not a usable SCEP pkiMessage: " + checked.error().message(),
                          "PKIOperation 400 " + checked.error().message());

    exchange ex{std::move(*checked), now, {}};
    const auto& h = ex.request.message.header;
    ex.what = (ex.request.message.known_type ? std::string(scep::name(h.type)) : std::string("unknown-type")) +
              " tid=" + short_text(h.transaction_id);
    if (ex.request.refusal)
        return refuse(ex, *ex.request.refusal, ex.request.error.message());

    switch (h.type) {
    case scep::message_type::pkcs_req:
    case scep::message_type::renewal_req: return enroll(ex);
    case scep::message_type::cert_poll: return poll(ex);
    case scep::message_type::get_cert: return get_cert(ex);
    case scep::message_type::get_crl: return get_crl(ex);
    case scep::message_type::cert_rep: break;
    }
    return refuse(ex, scep::fail_info::bad_request, "not a request");
}

http_reply service::reply(exchange& ex, const scep::reply_content& content, const std::string& result)
{
    bytes nonce(scep::nonce_size);
    rng_.randomize(nonce.data(), nonce.size());
    const auto& env = ex.request.message.envelope;
    const auto cipher = env ? env->cipher : asn1::cipher_algorithm::aes128_cbc;
    auto der = scep::make_cert_rep(ex.request.message, ex.request.signer, content, ca_.reply_signer().signing(), nonce,
                                   cipher, ex.now, rng_);
    if (!der)
        return text_reply(400, "cannot answer: " + der.error().message(),
                          "PKIOperation " + ex.what + " 400 " + der.error().message());
    return {200, std::string(pki_message_type), std::move(*der), "PKIOperation " + ex.what + " " + result};
}

http_reply service::refuse(exchange& ex, scep::fail_info f, const std::string& reason)
{
    scep::reply_content c;
    c.status = scep::pki_status::failure;
    c.fail_info = f;
    c.fail_info_text = reason;
    return reply(ex, c, "FAILURE " + std::string(scep::name(f)) + " (" + reason + ")");
}

http_reply service::apply(exchange& ex, const decision& d, transaction& t)
{
    switch (d.what) {
    case verdict::refuse:
        store_.save_transaction(t); // counted polls survive
        return refuse(ex, d.fail, d.reason);
    case verdict::pending: {
        t.state = transaction_state::pending;
        store_.save_transaction(t);
        scep::reply_content c;
        c.status = scep::pki_status::pending;
        return reply(ex, c, "PENDING (" + d.reason + ")");
    }
    case verdict::resend: {
        const auto cert = t.serial ? store_.find_issued(*t.serial) : std::nullopt;
        if (!cert)
            return refuse(ex, scep::fail_info::bad_cert_id, "issued certificate missing from the state directory");
        scep::reply_content c;
        c.certificates = {*cert};
        return reply(ex, c, "SUCCESS serial=" + serial_hex(*t.serial) + " (resent)");
    }
    case verdict::issue: break;
    }

    const auto csr = scep::read_csr(t.csr);
    if (!csr)
        return refuse(ex, scep::fail_info::bad_request, "the stored request is not a PKCS#10 request");
    // The serial is recorded before the certificate is written, and the
    // state `issued` after: a CA killed between the two writes finds, when
    // the request comes again, a certificate under the recorded serial and
    // sends it, rather than issue a second certificate for one transaction.
    // A recorded serial without its certificate is a gap in the serials.
    if (t.serial) {
        if (const auto earlier = store_.find_issued(*t.serial)) {
            t.state = transaction_state::issued;
            store_.save_transaction(t);
            scep::reply_content c;
            c.certificates = {*earlier};
            return reply(ex, c, "SUCCESS serial=" + serial_hex(*t.serial) + " (issued before a crash, resent)");
        }
    }
    const auto serial = store_.allocate_serial();
    t.serial = serial;
    store_.save_transaction(t);
    const auto cert = issue_certificate(ca_.ca, *csr, serial, opts_.validity, ex.now, rng_);
    store_.save_issued(cert);
    t.state = transaction_state::issued;
    store_.save_transaction(t);
    if (opts_.crash_after_issue != 0 && ++issued_ == opts_.crash_after_issue) {
        const auto line = "--crash-after-issue " + std::to_string(issued_) + ": issued serial=" + serial_hex(serial) +
                          " tid=" + short_text(t.id) + ", exiting before the reply";
        if (!opts_.crash) {
            std::cerr << "ascep-testca: " << line << std::endl;
            std::_Exit(crash_exit_code);
        }
        opts_.crash(line);
    }
    scep::reply_content c;
    c.certificates = {cert};
    return reply(ex, c, "SUCCESS serial=" + serial_hex(serial) + " (" + d.reason + ")");
}

http_reply service::enroll(exchange& ex)
{
    // scep::read_csr, not Botan's PKCS10_Request: iOS devices send version 2,
    // which Botan refuses and real CAs take (logged as a warning).
    const auto csr = scep::read_csr(ex.request.message_data);
    if (!csr)
        return refuse(ex, scep::fail_info::bad_request, "messageData is not a PKCS#10 request");
    if (const auto warning = scep::csr_version_warning(*csr))
        ex.what += " [warning: " + *warning + "]";
    {
        std::unique_ptr<Botan::Public_Key> csr_key;
        try {
            csr_key.reset(Botan::X509::load_key(csr->subject_public_key_info));
        } catch (const std::exception&) {
            return refuse(ex, scep::fail_info::bad_request, "the CSR's public key does not load");
        }
        if (!scep::csr_signature_verifies(ex.request.message_data, *csr_key))
            return refuse(ex, scep::fail_info::bad_message_check, "the CSR's signature does not verify");
    }
    const auto challenge = scep::challenge_password(*csr);
    if (!challenge)
        return refuse(ex, scep::fail_info::bad_request, "the CSR's challengePassword does not decode");

    const auto held = store_.lock();
    const auto& h = ex.request.message.header;
    auto stored = store_.load_transaction(h.transaction_id);
    const auto crl = store_.crl();
    const auto& signer = ex.request.signer;

    request_facts facts;
    facts.type = h.type;
    facts.challenge = *challenge;
    auto problem = renewal_problem(ca_.ca, signer, crl, ex.now);
    if (problem.empty()) {
        const auto ours = store_.find_issued(Botan::BigInt(signer.serial_number()));
        if (!ours || !(*ours == signer))
            problem = "renewal signer is not a certificate this CA issued";
    }
    facts.signed_by_issued = problem.empty();
    facts.signer_self_issued = signer.issuer_dn() == signer.subject_dn();
    facts.renewal_problem = problem;
    if (stored) {
        const auto stored_csr = scep::read_csr(stored->csr);
        facts.same_key_as_stored = stored_csr && stored_csr->subject_public_key_info == csr->subject_public_key_info;
        facts.renews_stored = stored->state == transaction_state::issued && stored->serial &&
                              facts.signed_by_issued && *stored->serial == Botan::BigInt(signer.serial_number());
    }

    const bool fresh = !stored || (stored->state == transaction_state::issued && facts.renews_stored);
    // --strict: a request resent under a known transactionID counts as a
    // poll, as always, but the log says which it was, and who signed it.
    if (opts_.rules.strict)
        ex.what += std::string(fresh ? " new " : " resent ") + signer_text(signer, facts.signed_by_issued);
    const auto d = decide_request(opts_.rules, facts, stored ? &*stored : nullptr);
    if (!fresh)
        return apply(ex, d, *stored);
    if (d.what == verdict::refuse)
        return refuse(ex, d.fail, d.reason);

    transaction t;
    t.id = h.transaction_id;
    t.type = h.type;
    t.csr = ex.request.message_data;
    t.subject = asn1::rfc4514(csr->subject);
    t.created = std::chrono::duration_cast<std::chrono::seconds>(ex.now.time_since_epoch()).count();
    return apply(ex, d, t);
}

http_reply service::poll(exchange& ex)
{
    if (!scep::parse_issuer_and_subject(ex.request.message_data))
        return refuse(ex, scep::fail_info::bad_request, "messageData is not an IssuerAndSubject");
    const auto held = store_.lock();
    auto stored = store_.load_transaction(ex.request.message.header.transaction_id);
    if (opts_.rules.strict) {
        const auto& signer = ex.request.signer;
        const auto ours = store_.find_issued(Botan::BigInt(signer.serial_number()));
        ex.what += " poll " + signer_text(signer, ours && *ours == signer);
    }
    if (!stored)
        return refuse(ex, scep::fail_info::bad_cert_id, "no such transaction");
    const auto d = decide_poll(opts_.rules, *stored);
    return apply(ex, d, *stored);
}

http_reply service::get_cert(exchange& ex)
{
    const auto id = scep::parse_issuer_and_serial(ex.request.message_data);
    if (!id)
        return refuse(ex, scep::fail_info::bad_request, "messageData is not an IssuerAndSerialNumber");
    if (id->issuer != ca_.ca.cert.raw_subject_dn())
        return refuse(ex, scep::fail_info::bad_cert_id, "not issued by this CA");
    const auto cert = store_.find_issued(id->serial);
    if (!cert)
        return refuse(ex, scep::fail_info::bad_cert_id, "no certificate with serial " + serial_hex(id->serial));
    scep::reply_content c;
    c.certificates = {*cert};
    return reply(ex, c, "SUCCESS serial=" + serial_hex(id->serial));
}

http_reply service::get_crl(exchange& ex)
{
    const auto id = scep::parse_issuer_and_serial(ex.request.message_data);
    if (!id)
        return refuse(ex, scep::fail_info::bad_request, "messageData is not an IssuerAndSerialNumber");
    if (id->issuer != ca_.ca.cert.raw_subject_dn())
        return refuse(ex, scep::fail_info::bad_cert_id, "not issued by this CA");
    auto crl = store_.crl();
    if (!crl)
        return refuse(ex, scep::fail_info::bad_cert_id, "no CRL yet");
    scep::reply_content c;
    c.crls = {*crl};
    return reply(ex, c, "SUCCESS CRL entries=" + std::to_string(crl->get_revoked().size()));
}

} // namespace ascep::testca
