// A SCEP CA on 127.0.0.1 that answers each enrollment with a mutated version
// of the genuinely valid CertRep it would send (issue 7, hostile tier): a byte
// flipped in one DER element (tag, length, or content at several offsets),
// the reply truncated, a reply replayed from another transaction, the nonce
// or transactionID changed and re-signed, a certificate for another key, a
// reply signed by another CA or encrypted to another key.
//
// The genuine reply is built per request with the scep layer (make_cert_rep,
// as the test CA does), so each mutation starts from a reply that would pass
// every check. Mutations name DER elements by their index path in the
// genuine reply, which has the same shape for every request, so one
// catalogue (mutations_for) applies to all of them.
#pragma once

#include "test_pki.hpp"

#include <boost/asio/io_context.hpp>
#include <botan/x509cert.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

namespace ascep::test {

class test_http_server;

using der_bytes = std::vector<std::uint8_t>;

/// One element of a CertRep's DER, found by walking it (the eContent OCTET
/// STRING is walked into: it holds the pkcsPKIEnvelope).
struct der_element {
    std::string path;  ///< index path, "0.1.0.4.0.5"
    std::string label; ///< what it is, "signerInfo.signature"
    std::size_t begin = 0;   ///< the tag byte
    std::size_t content = 0; ///< the first content byte
    std::size_t end = 0;     ///< one past the last content byte
    bool constructed = false;
};

/// Every element of `der` in order. Throws std::runtime_error on bad DER.
std::vector<der_element> walk_cert_rep(std::span<const std::uint8_t> der);

/// The byte ranges a genuine CertRep's signature and messageDigest cover:
/// the signed attributes' contents, the signature value, the eContent.
/// A change inside them must make the reply fail; a change elsewhere may
/// leave it valid.
std::vector<std::pair<std::size_t, std::size_t>> authenticated_ranges(std::span<const std::uint8_t> der);

enum class mutation_kind {
    flip,                        // XOR `mask` into one byte of element `path`
    truncate,                    // keep the first `offset` bytes
    replay_same_transaction,     // the genuine reply to the previous request
    replay_other_transaction,    // a genuine reply to another client's request
    wrong_transaction_id,        // re-signed with another transactionID
    wrong_recipient_nonce,       // re-signed with another recipientNonce
    other_sender_nonce,          // re-signed with another senderNonce: still valid
    certificate_for_other_key,   // a genuine reply issuing for someone else's key
    signed_by_other_ca,          // well-formed, signed by a CA the client does not trust
    encrypted_to_other_key,      // signed by the CA, enveloped for another key
};

enum class element_part { tag, length, content };

struct mutation {
    mutation_kind kind = mutation_kind::flip;
    std::string path;  ///< flip: the element
    std::string label; ///< flip: its label, for messages
    element_part part = element_part::content;
    std::size_t offset = 0;  ///< flip: byte within the part; truncate: bytes kept
    std::uint8_t mask = 0x01;

    /// "flip signerInfo.signature content[37]^01", "truncate 812", ...
    std::string name() const;
};

/// The catalogue for a genuine reply: for every element a flip in its tag
/// (one of two bits), its first and last length byte and, for primitive elements, content
/// bytes at the start, middle and end plus every `stride` bytes of long
/// values; truncations at `truncations` lengths spread over the reply; and
/// one of each other kind.
std::vector<mutation> mutations_for(std::span<const std::uint8_t> genuine, std::size_t stride = 96,
                                    std::size_t truncations = 40);

/// The same flip or truncation applied to another genuine reply of the same
/// shape. Throws std::runtime_error when the element is not there.
der_bytes mutate(const mutation& m, std::span<const std::uint8_t> genuine);

/// What the server answered to the last PKIOperation.
struct served_reply {
    der_bytes genuine;            ///< the valid reply it would have sent
    der_bytes sent;               ///< what it did send
    Botan::X509_Certificate issued; ///< the certificate the genuine reply carries
    std::string transaction_id;   ///< of the request
    der_bytes sender_nonce;       ///< of the request
    Botan::X509_Certificate requester; ///< the request's signer certificate
    bool authenticated = false;   ///< a flip inside authenticated_ranges
};

/// GetCACaps, GetCACert and PKIOperation on 127.0.0.1, on its own thread.
/// Several clients may enroll at once: each is told apart by the public key
/// of the certificate that signs its requests, and gets its own mutation.
class mutating_ca_server {
public:
    mutating_ca_server();
    ~mutating_ca_server();
    mutating_ca_server(const mutating_ca_server&) = delete;
    mutating_ca_server& operator=(const mutating_ca_server&) = delete;

    /// "http://127.0.0.1:PORT/scep".
    std::string url() const;
    const identity& ca() const { return ca_; }

    /// What the next PKIOperations of the client with public key `client`
    /// (Public_Key::public_key_bits) are answered with; nullopt: the genuine reply.
    void set_mutation(const der_bytes& client, std::optional<mutation> m);
    /// That client's last PKIOperation's answer; nullopt before the first.
    std::optional<served_reply> last(const der_bytes& client) const;
    /// PKIOperations answered so far, for all clients.
    std::size_t answered() const;

private:
    struct state;
    served_reply answer(const der_bytes& request);

    identity ca_;
    identity other_ca_;
    identity other_client_;
    std::shared_ptr<state> state_;
    boost::asio::io_context ioc_;
    std::unique_ptr<test_http_server> server_;
    std::thread thread_;
};

} // namespace ascep::test
