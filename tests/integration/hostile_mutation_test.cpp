// The hostile-reply tier (issue 7): a real `ascep enroll` against a CA that
// answers with mutated versions of genuinely valid CertReps
// (tests/support/mutating_ca.hpp): a byte flipped in every DER element of
// the reply at several offsets, the reply truncated at many lengths, replays,
// changed nonce and transactionID, a certificate for another key, another
// CA's signature, an envelope for another key.
//
// For every mutation the reply the client got is also checked in-process
// with scep::check_cert_rep (the oracle), and the binary must agree with it:
//   - accepted: exit 0 and the certificate file holds exactly the genuine
//     certificate. Only a change outside what the signature and the
//     messageDigest cover may be accepted (a flip in the carried CA
//     certificate, in the unsigned digestAlgorithms, a new senderNonce).
//   - refused: exit 97, no certificate file, and stderr exactly one line,
//     "ascep: ..." naming the failure the oracle names.
// Each case is one process, so none can leak state into the next.
#include "mutating_ca.hpp"
#include "cms/software_key.hpp"
#include "run_process.hpp"
#include "temp_dir.hpp"

#include "scep/ca_certs.hpp"
#include "scep/cert_rep.hpp"
#include "test_csr.hpp"

#include <botan/data_src.h>
#include <botan/pem.h>
#include <botan/pkcs8.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <sys/stat.h>
#include <thread>

using namespace ascep;
using test::der_bytes;

namespace {

/// One enrolling device: its key, CSR and the CA certificate in files.
struct client {
    std::shared_ptr<Botan::RSA_PrivateKey> key;
    der_bytes public_key;
    std::string prefix;

    client(const test::temp_dir& dir, const test::mutating_ca_server& ca, int slot, const std::string& name)
        : key(test::cached_key(slot)), public_key(key->public_key_bits()), prefix(dir.file(name).string())
    {
        dir.write(name + "-ca.crt", ca.ca().cert.PEM_encode());
        dir.write(name + ".key", Botan::PKCS8::PEM_encode(*key));
        const auto csr = test::make_request(
            *key, {.subject = "CN=" + name + ".example,C=DE,O=ascep tests,OU=hostile", .dns = {name + ".example"}});
        dir.write(name + ".csr", Botan::PEM_Code::encode(csr, "CERTIFICATE REQUEST"));
    }

    std::string cert_path() const { return prefix + ".crt"; }

    /// --retry-for 0: the first reply is the verdict (an empty body would
    /// otherwise be asked again, as a transient error, for a minute).
    test::process_result enroll(const std::string& url, const std::string& method) const
    {
        return test::run_process({ASCEP_PATH, "enroll", "-u", url, "-c", prefix + "-ca.crt", "-k", prefix + ".key",
                                  "-r", prefix + ".csr", "-l", cert_path(), "-t", "1", "-n", "1", "--method",
                                  method, "--retry-for", "0"});
    }
};

bool exists(const std::string& path)
{
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

/// What one case produced; checked on the main thread (Catch2 is not thread-safe).
struct outcome {
    test::process_result run;
    std::optional<test::served_reply> served;
    std::optional<Botan::X509_Certificate> written;
    std::string problem; // the certificate file could not be read
};

/// What scep::check_cert_rep, and then the search for our key's certificate,
/// make of the reply the server sent: the certificate, or the failure.
struct verdict {
    std::optional<Botan::X509_Certificate> cert;
    std::string failure;
};

verdict oracle(const test::served_reply& served, const Botan::Private_Key& key,
               const std::vector<Botan::X509_Certificate>& trusted)
{
    const scep::sent_request sent{scep::message_type::pkcs_req, served.transaction_id, served.sender_nonce};
    const cms::software_key ops(key);
    const scep::reply_keys keys{trusted, ops, served.requester};
    const auto rep = scep::check_cert_rep(served.sent, sent, keys);
    if (!rep)
        return {std::nullopt, rep.error().message()};
    if (rep->status != scep::pki_status::success)
        return {std::nullopt, "status " + std::string(scep::name(rep->status))};
    const auto cert = scep::issued_certificate(*rep, key);
    if (!cert)
        return {std::nullopt, cert.error().message()};
    return {*cert, {}};
}

std::size_t count_lines(const std::string& s)
{
    return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

} // namespace

TEST_CASE("hostile tier: every mutation of a genuine CertRep is refused or yields the genuine certificate")
{
    const auto started = std::chrono::steady_clock::now();
    test::mutating_ca_server ca;
    test::temp_dir dir;
    // Two devices enroll at once (one process each; the machine has two cores).
    const client clients[] = {{dir, ca, 3, "device-a"}, {dir, ca, 6, "device-b"}};
    const std::vector<Botan::X509_Certificate> trusted{ca.ca().cert};

    // A genuine exchange first: it must succeed, and its reply is the shape
    // the catalogue is made from (and what the replay case replays).
    for (const auto& c : clients) {
        const auto r = c.enroll(ca.url(), "POST");
        INFO(r.errors);
        REQUIRE(r.exit_code == 0);
        const auto served = ca.last(c.public_key);
        REQUIRE(served);
        CHECK(Botan::X509_Certificate(c.cert_path()) == served->issued);
        std::remove(c.cert_path().c_str());
    }
    const auto catalogue = test::mutations_for(ca.last(clients[0].public_key)->genuine);
    // The tier promises at least 500 cases, every one a real ascep run.
    REQUIRE(catalogue.size() >= 500);

    std::vector<outcome> outcomes(catalogue.size());
    const auto worker = [&](std::size_t w) {
        const client& c = clients[w];
        for (std::size_t i = w; i < catalogue.size(); i += 2) {
            ca.set_mutation(c.public_key, catalogue[i]);
            auto& o = outcomes[i];
            // Some through GET, so that the base64 path sees mangled replies too.
            o.run = c.enroll(ca.url(), i % 16 < 2 ? "GET" : "POST");
            o.served = ca.last(c.public_key);
            if (exists(c.cert_path())) {
                try {
                    o.written.emplace(c.cert_path());
                } catch (const std::exception& e) {
                    o.problem = e.what();
                }
                std::remove(c.cert_path().c_str());
            }
            ca.set_mutation(c.public_key, std::nullopt);
        }
    };
    std::thread second(worker, 1);
    worker(0);
    second.join();
    const auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    CHECK(ca.answered() == catalogue.size() + 2);

    std::size_t accepted = 0;
    std::size_t refused = 0;
    std::size_t authenticated_flips = 0;
    std::map<std::string, std::size_t> failures; // oracle failure text -> count
    for (std::size_t i = 0; i < catalogue.size(); ++i) {
        const auto& m = catalogue[i];
        const auto& o = outcomes[i];
        const auto& r = o.run;
        CAPTURE(i, m.name(), r.exit_code, r.output, r.errors, o.problem);
        REQUIRE(o.served);
        const auto& served = *o.served;
        const auto expected = oracle(served, *clients[i % 2].key, trusted);
        CAPTURE(expected.failure);

        // What must be refused whatever the client's code says: a change the
        // signature or the messageDigest covers, a truncation, and every
        // other kind but a new senderNonce.
        const bool must_refuse = served.authenticated || m.kind == test::mutation_kind::truncate ||
                                 (m.kind != test::mutation_kind::flip &&
                                  m.kind != test::mutation_kind::other_sender_nonce);
        authenticated_flips += served.authenticated ? 1 : 0;
        if (must_refuse)
            CHECK_FALSE(expected.cert);
        if (m.kind == test::mutation_kind::other_sender_nonce)
            CHECK(expected.cert);

        if (expected.cert) {
            ++accepted;
            CHECK(*expected.cert == served.issued);
            CHECK(r.exit_code == 0);
            CHECK(r.errors.empty());
            REQUIRE(o.written);
            CHECK(*o.written == served.issued);
            continue;
        }
        ++refused;
        ++failures[served.sent.empty() ? "(empty body)" : expected.failure];
        CHECK_FALSE(o.written);
        CHECK(o.problem.empty());
        CHECK(r.errors.rfind("ascep: ", 0) == 0);
        CHECK(count_lines(r.errors) == 1);
        CHECK(r.errors.back() == '\n');
        if (served.sent.empty()) {
            // No body at all is the transport's business, before any PKCS#7.
            CHECK(r.exit_code == 95);
            CHECK(r.errors.find("empty SCEP response") != std::string::npos);
        } else {
            CHECK(r.exit_code == 97);
            CHECK(r.errors.find(expected.failure) != std::string::npos);
        }
    }

    std::cout << "hostile tier: " << catalogue.size() << " mutations of a genuine CertRep, each through the ascep binary ("
              << authenticated_flips << " flips in signed or digested bytes): " << refused << " refused, " << accepted
              << " accepted with the genuine certificate, in " << took << " s\n";
    for (const auto& [what, n] : failures)
        std::cout << "  " << n << " x " << what << "\n";
}

TEST_CASE("a megabyte of hostile BER as a GetCACert body is refused quickly")
{
    // Botan's X509_Certificate alone rescans the rest of its input for every
    // indefinite-length element: minutes for this body before asn1::check_limits.
    std::vector<std::uint8_t> inner;
    while (inner.size() < 1024 * 1024)
        inner.insert(inner.end(), {0x30, 0x80, 0x00, 0x00});
    std::vector<std::uint8_t> body = {0x30, 0x80};
    body.insert(body.end(), inner.begin(), inner.end());
    body.insert(body.end(), {0x00, 0x00});
    const auto start = std::chrono::steady_clock::now();
    const auto certs = scep::parse_ca_certs(body);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
    CHECK_FALSE(certs.has_value());
}
