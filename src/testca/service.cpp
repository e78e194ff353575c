#include "testca/service.hpp"

#include "testca/forged_reply.hpp"
#include "testca/service_exchange.hpp"

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

using detail::short_text;
using detail::text_reply;
using detail::to_bytes;

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

service::service(service_options opts, state_store& store, ca_material ca, Botan::RandomNumberGenerator& rng)
    : opts_(std::move(opts)), store_(store), ca_(std::move(ca)), rng_(rng), faults_(opts_.faults, opts_.fault_seed)
{
    for (const auto k : {fault_kind::bad_signature, fault_kind::wrong_key, fault_kind::wrong_recipient})
        if (faults_.lists(k) && !stranger_)
            stranger_ = make_stranger(rng_);
}

http_reply service::handle(std::string_view method, std::string_view target, std::span<const std::uint8_t> body,
                           clock::time_point now)
{
    auto r = handle_operation(method, target, body, now);
    if (r.result.empty()) {
        // "GetCACert 200 CA" -> operation "GetCACert", result "200 CA".
        const auto space = r.log.find(' ');
        if (r.operation.empty())
            r.operation = r.log.substr(0, space);
        r.result = space == std::string::npos ? r.log : r.log.substr(space + 1);
    }
    return r;
}

http_reply service::handle_operation(std::string_view method, std::string_view target,
                                     std::span<const std::uint8_t> body, clock::time_point now)
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
    auto levels = ca_.levels();
    std::string fault;
    if (ca_.ra_sign || ca_.ra_enc) {
        const auto hit = faults_.draw([](fault_kind k) { return k == fault_kind::no_ra; });
        if (!hit.empty()) {
            levels.erase(levels.begin()); // the RA level comes first
            fault = "no-ra";
        }
    }
    const auto chain = arrange_chain(levels, opts_.order, rng_);
    http_reply r = chain.size() == 1
                       ? http_reply{200, "application/x-x509-ca-cert", chain.front().BER_encode(), "GetCACert 200 CA"}
                       : http_reply{200, "application/x-x509-ca-ra-cert", cms::make_certs_only(chain),
                                    "GetCACert 200 " + describe_chain(chain, ca_) + " (" +
                                        std::string(name(opts_.order)) + ")"};
    r.fault = fault;
    if (!fault.empty())
        r.log += " [fault " + fault + "]";
    return r;
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

    exchange ex{std::move(*checked), now, {}, {}};
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
    // A SCEP fault spoils the reply, never the state: what was decided and
    // stored stands, and a client that asks again gets it unspoiled (unless
    // the dice say otherwise again).
    std::optional<fault_kind> spoil;
    if (!faults_.empty() && ex.fault.empty()) {
        const auto hit = faults_.draw([&](fault_kind k) { return spoils_reply(k, content); });
        if (!hit.empty())
            spoil = hit.front().kind;
    }
    auto der = spoil ? make_forged_cert_rep(*spoil,
                                            {ex.request.message, ex.request.signer, content, ca_.reply_signer(), nonce,
                                             cipher, ex.now, opts_.validity},
                                            ca_.ca, *stranger_, rng_)
                     : scep::make_cert_rep(ex.request.message, ex.request.signer, content,
                                           ca_.reply_signer().signing(), nonce, cipher, ex.now, rng_);
    http_reply r;
    r.operation = "PKIOperation";
    r.message_type = ex.request.message.known_type ? std::string(scep::name(ex.request.message.header.type))
                                                   : std::string("unknown-type");
    r.transaction_id = ex.request.message.header.transaction_id;
    r.signer = asn1::rfc4514(ex.request.signer.subject_dn());
    r.fault = spoil ? std::string(name(*spoil)) : ex.fault;
    if (!der) {
        r.status = 400;
        r.body = to_bytes("cannot answer: " + der.error().message() + "\n");
        r.result = "400 " + der.error().message();
    } else {
        r.content_type = std::string(pki_message_type);
        r.body = std::move(*der);
        r.result = result;
    }
    r.log = "PKIOperation " + ex.what + " " + r.result + (r.fault.empty() ? "" : " [fault " + r.fault + "]");
    return r;
}

http_reply service::refuse(exchange& ex, scep::fail_info f, const std::string& reason)
{
    scep::reply_content c;
    c.status = scep::pki_status::failure;
    c.fail_info = f;
    c.fail_info_text = reason;
    return reply(ex, c, "FAILURE " + std::string(scep::name(f)) + " (" + reason + ")");
}

} // namespace ascep::testca
