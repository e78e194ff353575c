#include "mutating_ca.hpp"
#include "cms/software_key.hpp"

#include "http_query.hpp"
#include "test_http_server.hpp"

#include "scep/cert_rep.hpp"
#include "scep/csr.hpp"
#include "test_csr.hpp"

#include <botan/base64.h>
#include <botan/hex.h>
#include <botan/x509_key.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <stdexcept>

namespace ascep::test {
namespace {

// Where make_cert_rep puts each field (RFC 5652 SignedData around an
// EnvelopedData), by index path; deeper elements are named after the
// nearest entry ("certificates.0.0.3").
struct known_path {
    const char* path;
    const char* label;
};
const std::string envelope = "0.1.0.2.1.0.0";
const known_path known_paths[] = {
    {"0", "ContentInfo"},
    {"0.0", "contentType"},
    {"0.1", "content[0]"},
    {"0.1.0", "SignedData"},
    {"0.1.0.0", "version"},
    {"0.1.0.1", "digestAlgorithms"},
    {"0.1.0.2", "encapContentInfo"},
    {"0.1.0.2.0", "eContentType"},
    {"0.1.0.2.1", "eContent[0]"},
    {"0.1.0.2.1.0", "eContent"},
    {"0.1.0.2.1.0.0", "envelope"},
    {"0.1.0.2.1.0.0.0", "envelope.contentType"},
    {"0.1.0.2.1.0.0.1", "envelope.content[0]"},
    {"0.1.0.2.1.0.0.1.0", "EnvelopedData"},
    {"0.1.0.2.1.0.0.1.0.0", "EnvelopedData.version"},
    {"0.1.0.2.1.0.0.1.0.1", "recipientInfos"},
    {"0.1.0.2.1.0.0.1.0.1.0", "recipientInfo"},
    {"0.1.0.2.1.0.0.1.0.1.0.0", "recipientInfo.version"},
    {"0.1.0.2.1.0.0.1.0.1.0.1", "recipientInfo.rid"},
    {"0.1.0.2.1.0.0.1.0.1.0.2", "keyEncryptionAlgorithm"},
    {"0.1.0.2.1.0.0.1.0.1.0.3", "encryptedKey"},
    {"0.1.0.2.1.0.0.1.0.2", "encryptedContentInfo"},
    {"0.1.0.2.1.0.0.1.0.2.0", "encryptedContentInfo.contentType"},
    {"0.1.0.2.1.0.0.1.0.2.1", "contentEncryptionAlgorithm"},
    {"0.1.0.2.1.0.0.1.0.2.1.1", "iv"},
    {"0.1.0.2.1.0.0.1.0.2.2", "encryptedContent"},
    {"0.1.0.3", "certificates"},
    {"0.1.0.4", "signerInfos"},
    {"0.1.0.4.0", "signerInfo"},
    {"0.1.0.4.0.0", "signerInfo.version"},
    {"0.1.0.4.0.1", "signerInfo.sid"},
    {"0.1.0.4.0.2", "signerInfo.digestAlgorithm"},
    {"0.1.0.4.0.3", "signedAttrs"},
    {"0.1.0.4.0.4", "signerInfo.signatureAlgorithm"},
    {"0.1.0.4.0.5", "signerInfo.signature"},
};
const std::string econtent_path = "0.1.0.2.1.0";
const std::string signed_attrs_path = "0.1.0.4.0.3";
const std::string signature_path = "0.1.0.4.0.5";

std::string label_of(const std::string& path)
{
    const known_path* best = nullptr;
    std::size_t best_len = 0;
    for (const auto& k : known_paths) {
        const std::string kp = k.path;
        if ((path == kp || path.starts_with(kp + ".")) && kp.size() > best_len) {
            best = &k;
            best_len = kp.size();
        }
    }
    if (best == nullptr)
        return path;
    return std::string(best->label) + path.substr(best_len);
}

void walk(std::span<const std::uint8_t> der, std::size_t from, std::size_t to, const std::string& parent,
          std::vector<der_element>& out)
{
    std::size_t index = 0;
    std::size_t pos = from;
    while (pos < to) {
        der_element e;
        e.path = parent.empty() ? std::to_string(index) : parent + "." + std::to_string(index);
        e.label = label_of(e.path);
        e.begin = pos;
        const std::uint8_t tag = der[pos++];
        if ((tag & 0x1f) == 0x1f)
            throw std::runtime_error("walk_cert_rep: high tag numbers are not DER we build");
        if (pos >= to)
            throw std::runtime_error("walk_cert_rep: truncated");
        std::size_t length = der[pos++];
        if (length == 0x80)
            throw std::runtime_error("walk_cert_rep: indefinite length");
        if (length > 0x80) {
            const std::size_t n = length & 0x7f;
            if (n > 4 || to - pos < n)
                throw std::runtime_error("walk_cert_rep: bad length");
            length = 0;
            for (std::size_t i = 0; i < n; ++i)
                length = (length << 8) | der[pos++];
        }
        if (length > to - pos)
            throw std::runtime_error("walk_cert_rep: element overruns its parent");
        e.content = pos;
        e.end = pos + length;
        e.constructed = (tag & 0x20) != 0;
        out.push_back(e);
        // The eContent OCTET STRING holds the envelope's DER: walk into it too.
        if (e.constructed || e.path == econtent_path)
            walk(der, e.content, e.end, e.path, out);
        pos = e.end;
        ++index;
    }
}

const der_element& find(const std::vector<der_element>& elements, const std::string& path)
{
    for (const auto& e : elements)
        if (e.path == path)
            return e;
    throw std::runtime_error("mutating_ca: the reply has no element " + path);
}

std::size_t length_bytes(const der_element& e)
{
    return e.content - e.begin - 1;
}

/// The byte a flip changes.
std::size_t flip_index(const mutation& m, const std::vector<der_element>& elements)
{
    const auto& e = find(elements, m.path);
    switch (m.part) {
    case element_part::tag: return e.begin;
    case element_part::length: return e.begin + 1 + std::min(m.offset, length_bytes(e) - 1);
    case element_part::content:
        if (e.end == e.content)
            throw std::runtime_error("mutating_ca: element " + m.path + " has no content");
        return e.content + std::min(m.offset, e.end - e.content - 1);
    }
    return e.begin;
}

std::string hex_byte(std::uint8_t b)
{
    static constexpr char digits[] = "0123456789abcdef";
    return {digits[b >> 4], digits[b & 15]};
}

der_bytes bytes_of(const std::string& s)
{
    return {s.begin(), s.end()};
}

} // namespace

std::vector<der_element> walk_cert_rep(std::span<const std::uint8_t> der)
{
    std::vector<der_element> out;
    walk(der, 0, der.size(), "", out);
    return out;
}

std::vector<std::pair<std::size_t, std::size_t>> authenticated_ranges(std::span<const std::uint8_t> der)
{
    const auto elements = walk_cert_rep(der);
    std::vector<std::pair<std::size_t, std::size_t>> out;
    for (const auto& path : {signed_attrs_path, signature_path, econtent_path}) {
        const auto& e = find(elements, path);
        out.emplace_back(e.content, e.end);
    }
    return out;
}

std::string mutation::name() const
{
    switch (kind) {
    case mutation_kind::flip: {
        const char* what = part == element_part::tag ? "tag" : part == element_part::length ? "length" : "content";
        return "flip " + label + " " + what + "[" + std::to_string(offset) + "]^" + hex_byte(mask);
    }
    case mutation_kind::truncate: return "truncate to " + std::to_string(offset) + " bytes";
    case mutation_kind::replay_same_transaction: return "replay of the previous reply to this transaction";
    case mutation_kind::replay_other_transaction: return "replay of a reply to another transaction";
    case mutation_kind::wrong_transaction_id: return "transactionID changed, re-signed";
    case mutation_kind::wrong_recipient_nonce: return "recipientNonce changed, re-signed";
    case mutation_kind::other_sender_nonce: return "senderNonce changed, re-signed";
    case mutation_kind::certificate_for_other_key: return "certificate issued for another key";
    case mutation_kind::signed_by_other_ca: return "well-formed CertRep signed by another CA";
    case mutation_kind::encrypted_to_other_key: return "envelope encrypted to another key";
    }
    return "unknown";
}

std::vector<mutation> mutations_for(std::span<const std::uint8_t> genuine, std::size_t stride,
                                    std::size_t truncations)
{
    std::vector<mutation> out;
    const auto elements = walk_cert_rep(genuine);
    for (std::size_t i = 0; i < elements.size(); ++i) {
        const auto& e = elements[i];
        const auto flip = [&](element_part part, std::size_t offset, std::uint8_t mask) {
            out.push_back({mutation_kind::flip, e.path, e.label, part, offset, mask});
        };
        // The tag: its lowest bit (SEQUENCE becomes SET, INTEGER BIT STRING...)
        // or, every other element, the constructed bit.
        flip(element_part::tag, 0, i % 2 == 0 ? 0x01 : 0x20);
        flip(element_part::length, 0, 0x01);
        if (length_bytes(e) > 1)
            flip(element_part::length, length_bytes(e) - 1, 0x01);
        // Content of leaves only: a constructed element's content is its
        // children, flipped in their own turn (the eContent is walked into).
        const bool leaf = !e.constructed && e.path != econtent_path;
        const std::size_t size = e.end - e.content;
        if (!leaf || size == 0)
            continue;
        std::set<std::size_t> offsets = {0, size / 2, size - 1};
        for (std::size_t o = stride; o < size; o += stride)
            offsets.insert(o);
        for (const auto o : offsets)
            flip(element_part::content, o, 0x01);
    }
    std::set<std::size_t> lengths;
    for (std::size_t i = 0; i < truncations; ++i)
        lengths.insert(genuine.size() * i / truncations);
    lengths.insert(genuine.size() - 1);
    for (const auto n : lengths)
        out.push_back({mutation_kind::truncate, {}, {}, element_part::content, n, 0});
    for (const auto k : {mutation_kind::replay_same_transaction, mutation_kind::replay_other_transaction,
                         mutation_kind::wrong_transaction_id, mutation_kind::wrong_recipient_nonce,
                         mutation_kind::other_sender_nonce, mutation_kind::certificate_for_other_key,
                         mutation_kind::signed_by_other_ca, mutation_kind::encrypted_to_other_key})
        out.push_back({k, {}, {}, element_part::content, 0, 0});
    return out;
}

der_bytes mutate(const mutation& m, std::span<const std::uint8_t> genuine)
{
    der_bytes out(genuine.begin(), genuine.end());
    if (m.kind == mutation_kind::truncate) {
        out.resize(std::min(m.offset, out.size()));
        return out;
    }
    if (m.kind != mutation_kind::flip)
        throw std::runtime_error("mutate: only flips and truncations are byte edits");
    out[flip_index(m, walk_cert_rep(genuine))] ^= m.mask;
    return out;
}

/// Per client, by public key.
struct client_state {
    std::optional<mutation> next;
    std::optional<served_reply> last;
    std::optional<der_bytes> previous_genuine;
};

struct mutating_ca_server::state {
    mutable std::mutex mutex;
    std::map<der_bytes, client_state> clients;
    std::size_t answered = 0;
};

mutating_ca_server::mutating_ca_server()
    : ca_(self_signed("Mutating Test CA", 0)), other_ca_(self_signed("Impostor CA", 4)),
      other_client_(self_signed("Other Client", 5)), state_(std::make_shared<state>())
{
    http_server_options opts;
    opts.handler = [this](const recorded_request& r) -> std::optional<scripted_response> {
        const auto op = query_value(r.target, "operation");
        if (op == "GetCACaps")
            return scripted_response{200, "text/plain", bytes_of("POSTPKIOperation\nSHA-256\nAES\n")};
        if (op == "GetCACert")
            return scripted_response{200, "application/x-x509-ca-cert", ca_.cert.BER_encode()};
        if (op != "PKIOperation")
            return scripted_response{404, "text/plain", {}};
        der_bytes request = r.body;
        if (r.method == "GET") {
            const auto decoded = Botan::base64_decode(percent_decode(query_value(r.target, "message")));
            request.assign(decoded.begin(), decoded.end());
        }
        try {
            auto served = answer(request);
            auto body = served.sent;
            std::lock_guard lock(state_->mutex);
            state_->clients[served.requester.subject_public_key_bitstring()].last = std::move(served);
            ++state_->answered;
            return scripted_response{200, "application/x-pki-message", std::move(body)};
        } catch (const std::exception& e) {
            // A bug of the test server: answer 500 so that the test sees a 95, not a hang.
            return scripted_response{500, "text/plain", bytes_of(e.what())};
        }
    };
    server_ = std::make_unique<test_http_server>(ioc_, std::move(opts));
    thread_ = std::thread([this] { ioc_.run(); });
}

mutating_ca_server::~mutating_ca_server()
{
    ioc_.stop();
    thread_.join();
}

std::string mutating_ca_server::url() const
{
    return server_->url("/scep");
}

void mutating_ca_server::set_mutation(const der_bytes& client, std::optional<mutation> m)
{
    std::lock_guard lock(state_->mutex);
    state_->clients[client].next = std::move(m);
}

std::optional<served_reply> mutating_ca_server::last(const der_bytes& client) const
{
    std::lock_guard lock(state_->mutex);
    const auto it = state_->clients.find(client);
    return it == state_->clients.end() ? std::nullopt : it->second.last;
}

std::size_t mutating_ca_server::answered() const
{
    std::lock_guard lock(state_->mutex);
    return state_->answered;
}

served_reply mutating_ca_server::answer(const der_bytes& request)
{
    auto msg = scep::parse_pki_message(request);
    if (!msg)
        throw std::runtime_error("mutating CA: request does not parse: " + msg.error().message());
    const auto* requester = msg->signed_data.find_certificate(msg->signer().sid);
    if (!requester || !msg->envelope)
        throw std::runtime_error("mutating CA: request without signer certificate or envelope");
    const auto csr_der = cms::decrypt(*msg->envelope, *ca_.key, ca_.cert);
    if (!csr_der)
        throw std::runtime_error("mutating CA: cannot open the request envelope");
    // scep::read_csr, as the test CA and ascep read requests.
    const auto csr = scep::read_csr(*csr_der);
    if (!csr)
        throw std::runtime_error("mutating CA: the request is not a PKCS#10 request");
    const std::unique_ptr<Botan::Public_Key> key(Botan::X509::load_key(csr->subject_public_key_info));

    std::optional<mutation> m;
    std::optional<der_bytes> previous;
    {
        std::lock_guard lock(state_->mutex);
        const auto& client = state_->clients[requester->subject_public_key_bitstring()];
        m = client.next;
        previous = client.previous_genuine;
    }

    const auto now = std::chrono::system_clock::now();
    der_bytes nonce(16);
    rng().randomize(nonce.data(), nonce.size());
    const auto build = [&](const scep::incoming_message& to, const Botan::X509_Certificate& recipient,
                           const Botan::X509_Certificate& cert, const identity& signer, const der_bytes& sender_nonce) {
        scep::reply_content content;
        content.certificates = {cert};
        auto reply = scep::make_cert_rep(to, recipient, content, {cms::software_key(*signer.key), signer.cert}, sender_nonce,
                                         asn1::cipher_algorithm::aes128_cbc, now, rng());
        if (!reply)
            throw std::runtime_error("mutating CA: cannot build a reply: " + reply.error().message());
        return std::move(*reply);
    };

    served_reply out{{}, {}, issue(ca_, *key, "issued by the mutating CA"), msg->header.transaction_id,
                     msg->header.sender_nonce.value_or(der_bytes{}), *requester, false};
    out.genuine = build(*msg, *requester, out.issued, ca_, nonce);
    {
        std::lock_guard lock(state_->mutex);
        state_->clients[requester->subject_public_key_bitstring()].previous_genuine = out.genuine;
    }
    if (!m) {
        out.sent = out.genuine;
        return out;
    }

    const identity& other_client = other_client_;
    switch (m->kind) {
    case mutation_kind::flip: {
        out.sent = mutate(*m, out.genuine);
        const auto index = flip_index(*m, walk_cert_rep(out.genuine));
        for (const auto& [from, to] : authenticated_ranges(out.genuine))
            out.authenticated = out.authenticated || (index >= from && index < to);
        break;
    }
    case mutation_kind::truncate: out.sent = mutate(*m, out.genuine); break;
    case mutation_kind::replay_same_transaction:
        if (!previous)
            throw std::runtime_error("mutating CA: nothing to replay yet");
        out.sent = *previous;
        break;
    case mutation_kind::replay_other_transaction: {
        // A genuine exchange of another client: its request, the CA's reply.
        scep::outgoing_message other;
        other.header.type = scep::message_type::pkcs_req;
        other.header.transaction_id = "0123456789ABCDEF0123456789ABCDEF";
        other.header.sender_nonce = der_bytes(16, 0x33);
        other.message_data =
            test::make_request(*other_client.key, {.subject = "CN=other,C=DE,O=ascep tests,OU=test"});
        other.recipients = {ca_.cert};
        other.certificates = {other_client.cert};
        other.now = now;
        const auto other_request = scep::make_pki_message(other, {cms::software_key(*other_client.key), other_client.cert}, rng());
        const auto parsed = scep::parse_pki_message(other_request.value()).value();
        out.sent = build(parsed, other_client.cert, issue(ca_, *other_client.key, "other"), ca_, nonce);
        break;
    }
    case mutation_kind::wrong_transaction_id: {
        auto changed = *msg;
        changed.header.transaction_id = "00112233445566778899AABBCCDDEEFF";
        out.sent = build(changed, *requester, out.issued, ca_, nonce);
        break;
    }
    case mutation_kind::wrong_recipient_nonce: {
        auto changed = *msg;
        changed.header.sender_nonce = der_bytes(16, 0x5a);
        out.sent = build(changed, *requester, out.issued, ca_, nonce);
        break;
    }
    case mutation_kind::other_sender_nonce: out.sent = build(*msg, *requester, out.issued, ca_, der_bytes(16, 0x99)); break;
    case mutation_kind::certificate_for_other_key:
        out.sent = build(*msg, *requester, issue(ca_, *other_client.key, "someone else"), ca_, nonce);
        break;
    case mutation_kind::signed_by_other_ca: out.sent = build(*msg, *requester, out.issued, other_ca_, nonce); break;
    case mutation_kind::encrypted_to_other_key:
        out.sent = build(*msg, other_client.cert, out.issued, ca_, nonce);
        break;
    }
    return out;
}

} // namespace ascep::test
