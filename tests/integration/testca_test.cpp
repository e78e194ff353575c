// ascep-testca as a real process on 127.0.0.1 (port 0, URL read from its
// first line of output), driven by the engine the way ascep drives a CA, and
// by the Debian scepclient. Each test starts its own server with its own
// state directory.
#include "engine/enroll.hpp"
#include "cms/software_key.hpp"
#include "engine/operations.hpp"
#include "scep/ca_certs.hpp"
#include "scep/ca_roles.hpp"
#include "scep/query.hpp"
#include "scep/self_signed.hpp"
#include "scep/transaction_id.hpp"

#include "testca_process.hpp"
#include "run_process.hpp"
#include "temp_dir.hpp"
#include "test_csr.hpp"
#include "test_pki.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <botan/pkix_types.h>
#include <catch2/catch.hpp>
#include "catch_result.hpp"

#include <csignal>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#ifndef ASCEP_TESTCA_PATH
#error "ASCEP_TESTCA_PATH must name the ascep-testca binary"
#endif

using namespace ascep;
namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const std::string testca_path = ASCEP_TESTCA_PATH;

std::string read_all(const fs::path& p)
{
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/// The server with this build's binary.
struct testca_server : test::testca_process {
    testca_server(const test::temp_dir& dir, std::vector<std::string> opts)
        : test::testca_process(testca_path, dir, std::move(opts))
    {
    }
};

/// Runs `op` on `ioc` for at most `limit`; nullopt when it did not finish.
template <typename T>
std::optional<T> run(asio::io_context& ioc, asio::awaitable<T> op, std::chrono::seconds limit = 60s)
{
    std::optional<T> out;
    std::exception_ptr failure;
    asio::co_spawn(ioc, std::move(op), [&](std::exception_ptr e, T value) {
        failure = e;
        if (!e)
            out = std::move(value);
    });
    ioc.restart();
    ioc.run_for(limit);
    if (failure)
        std::rethrow_exception(failure);
    return out;
}

struct client {
    asio::io_context ioc;
    transport::http_client http;
    engine::endpoint ep;
    transport::diagnostics diag;

    explicit client(const std::string& url, transport::client_options opts = {})
        : http(ioc.get_executor(), opts), ep{&http, url, {}}
    {
    }

    scep::ca_roles roles()
    {
        const auto ca = run(ioc, engine::async_get_ca(ep, "", diag));
        REQUIRE(ca);
        REQUIRE(ca->has_value());
        return scep::select_ca_roles((*ca)->certificates).value();
    }
};

struct enrollment {
    std::shared_ptr<Botan::RSA_PrivateKey> key;
    test::request_spec csr;
    scep::enroll_params params;
};

enrollment prepare(const scep::ca_roles& roles, const std::string& challenge, int key_slot,
                   std::string transaction_id = {})
{
    auto key = test::cached_key(key_slot);
    const test::request_spec csr{.subject = "CN=device-" + std::to_string(key_slot) + ",C=DE,O=ascep tests,OU=lab",
                                 .challenge = challenge,
                                 .dns = {"device-" + std::to_string(key_slot) + ".example.test"}};
    enrollment e{key, csr, {}};
    auto& p = e.params;
    p.csr = test::make_request(*key, csr);
    p.subject = test::request_subject(csr);
    p.csr_key = key;
    p.signer_key = std::make_shared<const cms::software_key>(key);
    p.signer_cert = scep::make_self_signed(cms::software_key(*key), p.subject, std::chrono::system_clock::now(), test::rng());
    p.ca_cert = roles.ca;
    p.recipients = {roles.encryption};
    p.trusted_signers = roles.signers;
    p.transaction_id = transaction_id.empty() ? scep::transaction_id_for(*key) : std::move(transaction_id);
    p.polling = {1s, 60s, 20};
    return e;
}

engine::enroll_outcome enroll(client& c, scep::enroll_params params, engine::enroll_observer* observer = nullptr,
                              bool post = true)
{
    auto outcome = run(c.ioc, engine::async_enroll(c.ep, std::move(params), post, test::rng(), observer), 90s);
    REQUIRE(outcome);
    INFO(transport::describe(outcome->result.error, outcome->diag));
    REQUIRE_FALSE(outcome->result.error);
    return std::move(*outcome);
}

/// A query (GetCert, GetCRL) through async_pki_operation, checked with check_cert_rep.
boost::system::result<scep::cert_rep> query(client& c, const scep::query_message& q, const scep::ca_roles& roles,
                                            const Botan::Private_Key& key, const Botan::X509_Certificate& cert)
{
    auto reply = run(c.ioc, engine::async_pki_operation(c.ep, true, q.body, c.diag));
    REQUIRE(reply);
    REQUIRE(reply->has_value());
    return scep::check_cert_rep(**reply, q.sent, {roles.signers, cms::software_key(key), cert});
}

scep::query_context query_context(const scep::ca_roles& roles, const cms::private_key_ops& key,
                                  const Botan::X509_Certificate& cert)
{
    return {{key, cert}, {roles.encryption}, {}, scep::transaction_id_for(key.public_key()), std::chrono::system_clock::now()};
}

/// What a GetCACert answer holds when it is a chain (--intermediate, --ra).
std::vector<Botan::X509_Certificate> served_chain(client& c)
{
    const auto ca = run(c.ioc, engine::async_get_ca(c.ep, "", c.diag));
    REQUIRE(ca);
    REQUIRE(ca->has_value());
    CHECK((*ca)->content_type == "application/x-x509-ca-ra-cert");
    return (*ca)->certificates;
}

/// The role of each certificate of a served chain, in the order served,
/// told by what the certificate says: "root", "CA", "RA-sign", "RA-enc".
std::vector<std::string> roles_in_order(const std::vector<Botan::X509_Certificate>& chain)
{
    std::vector<std::string> out;
    for (const auto& cert : chain) {
        if (cert.is_self_signed())
            out.push_back("root");
        else if (cert.is_CA_cert())
            out.push_back("CA");
        else if (cert.allowed_usage(Botan::DIGITAL_SIGNATURE))
            out.push_back("RA-sign");
        else
            out.push_back("RA-enc");
    }
    return out;
}

/// The certificates of a chain served by --intermediate [--ra], by role.
struct hierarchy {
    std::map<std::string, Botan::X509_Certificate> by_role;

    std::vector<Botan::X509_Certificate> served;

    explicit hierarchy(const std::vector<Botan::X509_Certificate>& chain) : served(chain)
    {
        const auto roles = roles_in_order(chain);
        for (std::size_t i = 0; i < chain.size(); ++i)
            REQUIRE(by_role.emplace(roles[i], chain[i]).second);
        REQUIRE(by_role.count("root"));
        REQUIRE(by_role.count("CA"));
    }

    const Botan::X509_Certificate& root() const { return by_role.at("root"); }
    const Botan::X509_Certificate& issuing() const { return by_role.at("CA"); }

    /// The roles the client picks from the served chain (scep::select_ca_roles),
    /// checked against what the test CA says each certificate is.
    scep::ca_roles roles() const
    {
        auto roles = scep::select_ca_roles(served).value();
        CHECK(roles.ca == issuing());
        const auto ra_enc = by_role.find("RA-enc");
        CHECK(roles.encryption == (ra_enc == by_role.end() ? issuing() : ra_enc->second));
        return roles;
    }
};

test::process_result openssl(std::vector<std::string> args)
{
    args.insert(args.begin(), "openssl");
    return test::run_process(args);
}

/// Calls `action` once, at the first PENDING.
struct on_first_pending : engine::enroll_observer {
    std::function<void()> action;
    unsigned pendings = 0;
    void on_send(const scep::send_message&) override {}
    bool on_pending(const scep::wait_for&) override
    {
        if (pendings++ == 0 && action)
            action();
        return true;
    }
};

} // namespace

TEST_CASE("GetCACaps, GetCACert and auto-approved enrollment, by POST and by GET", "[testca]")
{
    test::temp_dir dir;
    testca_server server(dir, {"--challenge", "secret"});
    client c(server.url);

    const auto caps = run(c.ioc, engine::async_get_caps(c.ep, c.diag));
    REQUIRE(caps);
    REQUIRE(caps->has_value());
    CHECK((*caps)->scep_standard());
    CHECK((*caps)->renewal());
    CHECK((*caps)->get_next_ca());

    const auto ca = run(c.ioc, engine::async_get_ca(c.ep, "", c.diag));
    REQUIRE(ca);
    REQUIRE(ca->has_value());
    CHECK((*ca)->content_type == "application/x-x509-ca-cert");
    REQUIRE((*ca)->certificates.size() == 1);
    const auto roles = scep::select_ca_roles((*ca)->certificates).value();

    for (const bool post : {true, false}) {
        auto e = prepare(roles, "secret", post ? 10 : 11);
        const auto out = enroll(c, std::move(e.params), nullptr, post);
        REQUIRE(out.result.status == scep::pki_status::success);
        const auto& cert = *out.result.certificate;
        CHECK(cert.subject_dn() == test::request_subject(e.csr));
        CHECK(cert.subject_alt_name().get_attribute("DNS") == e.csr.dns);
        CHECK(cert.check_signature(*roles.ca.load_subject_public_key()));
        CHECK(cert.constraints() == Botan::Key_Constraints(Botan::DIGITAL_SIGNATURE | Botan::KEY_ENCIPHERMENT));
    }
    const auto listing = server.command({"list"});
    CHECK(listing.succeeded());
    CHECK(listing.output.find("issued") != std::string::npos);
    const auto log = read_all(server.log());
    CHECK(log.find("PKIOperation PKCSReq tid=") != std::string::npos);
    CHECK(log.find("SUCCESS serial=") != std::string::npos);
}

TEST_CASE("policies: wrong challenge, --reject, --pending 3", "[testca]")
{
    test::temp_dir dir;
    SECTION("wrong challenge")
    {
        testca_server server(dir, {"--challenge", "secret"});
        client c(server.url);
        auto e = prepare(c.roles(), "guess", 12);
        const auto out = enroll(c, std::move(e.params));
        CHECK(out.result.status == scep::pki_status::failure);
        CHECK(out.result.fail_info == scep::fail_info::bad_request);
        CHECK_FALSE(out.result.certificate);
    }
    SECTION("--reject")
    {
        testca_server server(dir, {"--reject"});
        client c(server.url);
        auto e = prepare(c.roles(), "", 12);
        const auto out = enroll(c, std::move(e.params));
        CHECK(out.result.status == scep::pki_status::failure);
        CHECK(out.result.fail_info == scep::fail_info::bad_request);
    }
    SECTION("--pending 3: the engine polls every second and gets the certificate")
    {
        testca_server server(dir, {"--pending", "3"});
        client c(server.url);
        auto e = prepare(c.roles(), "", 12);
        const auto out = enroll(c, std::move(e.params));
        CHECK(out.result.status == scep::pki_status::success);
        CHECK(out.result.messages_sent == 4);
        CHECK(out.result.certificate);
    }
}

TEST_CASE("--manual: approve and reject from another process", "[testca]")
{
    test::temp_dir dir;
    testca_server server(dir, {"--manual"});
    client c(server.url);
    const auto roles = c.roles();

    for (const bool approve : {true, false}) {
        auto e = prepare(roles, "", approve ? 13 : 14);
        const auto tid = e.params.transaction_id;
        on_first_pending obs;
        obs.action = [&] {
            const auto r = server.command({approve ? "approve" : "reject", tid});
            CHECK(r.succeeded());
        };
        const auto out = enroll(c, std::move(e.params), &obs);
        CHECK(obs.pendings >= 1);
        if (approve) {
            CHECK(out.result.status == scep::pki_status::success);
            CHECK(out.result.certificate);
        } else {
            CHECK(out.result.status == scep::pki_status::failure);
            CHECK(out.result.fail_info == scep::fail_info::bad_request);
        }
    }
    CHECK_FALSE(server.command({"approve", "NO-SUCH-TRANSACTION"}).succeeded());
}

TEST_CASE("--ra: requests go to the RA encryption certificate, replies come from the RA signing one", "[testca]")
{
    test::temp_dir dir;
    testca_server server(dir, {"--ra"});
    client c(server.url);
    const auto chain = served_chain(c);
    REQUIRE(chain.size() == 3);
    const auto roles = scep::select_ca_roles(chain).value();
    // Leaf-first (the default --chain-order): RA signing, RA encryption, CA.
    CHECK(roles.ca == chain[2]);
    CHECK(roles.encryption == chain[1]);
    REQUIRE(roles.signers.size() == 2);
    CHECK(roles.signers[0] == chain[0]);

    // Trust only the RA signing certificate: the reply must come from it.
    auto e = prepare(roles, "", 15);
    e.params.trusted_signers = {roles.signers[0]};
    const auto out = enroll(c, std::move(e.params));
    REQUIRE(out.result.status == scep::pki_status::success);
    CHECK(out.result.certificate->check_signature(*roles.ca.load_subject_public_key()));
}

TEST_CASE("--intermediate: GetCACert serves the issuing CA and the root in each --chain-order, the same hierarchy "
          "after restarts with and without the flag",
          "[testca][intermediate]")
{
    using roles = std::vector<std::string>;
    test::temp_dir dir;
    testca_server server(dir, {"--intermediate", "--key-bits", "1024"});
    std::vector<Botan::X509_Certificate> first;
    {
        client c(server.url);
        first = served_chain(c);
        CHECK(roles_in_order(first) == roles{"CA", "root"});
    }
    const hierarchy h(first);
    CHECK(h.issuing().issuer_dn() == h.root().subject_dn());
    CHECK(read_all(server.state / "ca.crt") == h.issuing().PEM_encode());
    CHECK(read_all(server.state / "root.crt") == h.root().PEM_encode());

    server.restart_with({"--intermediate", "--chain-order", "root-first"});
    {
        client c(server.url);
        CHECK(served_chain(c) == std::vector<Botan::X509_Certificate>{h.root(), h.issuing()});
    }

    // Without the flag the state's hierarchy stays, and the log says so.
    server.restart_with({});
    {
        client c(server.url);
        CHECK(served_chain(c) == first);
        CHECK(read_all(server.log()).find("holds a root (made with --intermediate)") != std::string::npos);
    }

    server.restart_with({"--chain-order", "random"});
    {
        client c(server.url);
        std::set<roles> orders;
        for (int i = 0; i < 20; ++i) {
            const auto chain = served_chain(c);
            CHECK(std::set<Botan::X509_Certificate>(chain.begin(), chain.end()) ==
                  std::set<Botan::X509_Certificate>(first.begin(), first.end()));
            orders.insert(roles_in_order(chain));
        }
        // Two orders possible; the same one 20 times running has chance 2^-19.
        CHECK(orders.size() == 2);
    }

    // --ra on the hierarchy: RA certificates from the issuing CA, served first.
    server.restart_with({"--intermediate", "--ra", "--key-bits", "1024"});
    {
        client c(server.url);
        const auto chain = served_chain(c);
        CHECK(roles_in_order(chain) == roles{"RA-sign", "RA-enc", "CA", "root"});
        const hierarchy with_ra(chain);
        CHECK(with_ra.issuing() == h.issuing());
        CHECK(with_ra.by_role.at("RA-sign").issuer_dn() == h.issuing().subject_dn());
        CHECK(with_ra.by_role.at("RA-enc").issuer_dn() == h.issuing().subject_dn());
    }
    server.restart_with({"--ra", "--chain-order", "root-first"});
    {
        client c(server.url);
        CHECK(roles_in_order(served_chain(c)) == roles{"root", "CA", "RA-sign", "RA-enc"});
    }
}

TEST_CASE("--intermediate: openssl verifies issued certificates through the served chain, before and after a "
          "restart, and the issuing CA's CRL revokes them",
          "[testca][intermediate]")
{
    test::temp_dir dir;
    testca_server server(dir, {"--intermediate", "--key-bits", "1024"});
    client c(server.url);
    const hierarchy h(served_chain(c));
    const auto root_pem = dir.write("root.pem", h.root().PEM_encode()).string();
    const auto intermediate_pem = dir.write("intermediate.pem", h.issuing().PEM_encode()).string();

    auto e = prepare(h.roles(), "", 30);
    const auto out = enroll(c, std::move(e.params));
    REQUIRE(out.result.status == scep::pki_status::success);
    const auto issued = *out.result.certificate;
    const auto cert_pem = dir.write("cert.pem", issued.PEM_encode()).string();

    const auto verified = openssl({"verify", "-CAfile", root_pem, "-untrusted", intermediate_pem, cert_pem});
    INFO(verified.output << verified.errors);
    CHECK(verified.succeeded());
    // Neither CA alone will do: the chain really has two levels.
    CHECK_FALSE(openssl({"verify", "-CAfile", root_pem, cert_pem}).succeeded());
    CHECK_FALSE(openssl({"verify", "-CAfile", intermediate_pem, cert_pem}).succeeded());

    // The CRL: the issuing CA's, fetched by GetCRL and checked by openssl in the chain.
    const auto id = cms::issuer_and_serial::of(issued);
    const cms::software_key ops(*e.key);
    const auto fetch_crl = [&](const std::string& name) {
        const auto rep =
            query(c, scep::make_get_crl(id, query_context(h.roles(), ops, issued), test::rng()).value(), h.roles(),
                  *e.key, issued);
        REQUIRE(rep);
        const auto crl = scep::verified_crl(*rep, h.issuing());
        REQUIRE(crl);
        CHECK(crl->issuer_dn() == h.issuing().subject_dn());
        return dir.write(name, crl->PEM_encode()).string();
    };
    const auto empty_crl = fetch_crl("empty-crl.pem");
    const auto crl_signature = openssl({"crl", "-in", empty_crl, "-CAfile", intermediate_pem, "-noout"});
    CHECK((crl_signature.output + crl_signature.errors).find("verify OK") != std::string::npos);
    CHECK_FALSE(openssl({"crl", "-in", empty_crl, "-CAfile", root_pem, "-noout"}).succeeded());
    CHECK(openssl({"verify", "-crl_check", "-CRLfile", empty_crl, "-CAfile", root_pem, "-untrusted", intermediate_pem,
                   cert_pem})
              .succeeded());

    REQUIRE(server.command({"revoke", Botan::BigInt(issued.serial_number()).to_dec_string()}).succeeded());
    const auto revoked_crl = fetch_crl("crl.pem");
    const auto revoked = openssl({"verify", "-crl_check", "-CRLfile", revoked_crl, "-CAfile", root_pem, "-untrusted",
                                  intermediate_pem, cert_pem});
    CHECK_FALSE(revoked.succeeded());
    CHECK((revoked.output + revoked.errors).find("revoked") != std::string::npos);

    // After kill -9 and a restart without the flag: the same chain, and the
    // next certificate verifies against the same root.
    server.crash_and_restart();
    client again(server.url);
    CHECK(hierarchy(served_chain(again)).root() == h.root());
    auto next = prepare(h.roles(), "", 31);
    const auto next_out = enroll(again, std::move(next.params));
    REQUIRE(next_out.result.status == scep::pki_status::success);
    const auto next_pem = dir.write("next.pem", next_out.result.certificate->PEM_encode()).string();
    CHECK(openssl({"verify", "-CAfile", root_pem, "-untrusted", intermediate_pem, next_pem}).succeeded());
}

TEST_CASE("--intermediate --ra: requests to the RA encryption certificate, replies from the RA signing one, "
          "certificates from the issuing CA",
          "[testca][intermediate]")
{
    test::temp_dir dir;
    testca_server server(dir, {"--intermediate", "--ra", "--key-bits", "1024", "--chain-order", "random"});
    client c(server.url);
    const hierarchy h(served_chain(c));
    REQUIRE(h.by_role.size() == 4);

    // Trust only the RA signing certificate: the reply must come from it.
    auto e = prepare(h.roles(), "", 32);
    CHECK(e.params.recipients == std::vector<Botan::X509_Certificate>{h.by_role.at("RA-enc")});
    const auto out = enroll(c, std::move(e.params));
    REQUIRE(out.result.status == scep::pki_status::success);
    const auto root_pem = dir.write("root.pem", h.root().PEM_encode()).string();
    const auto intermediate_pem = dir.write("intermediate.pem", h.issuing().PEM_encode()).string();
    const auto cert_pem = dir.write("cert.pem", out.result.certificate->PEM_encode()).string();
    const auto verified = openssl({"verify", "-CAfile", root_pem, "-untrusted", intermediate_pem, cert_pem});
    INFO(verified.output << verified.errors);
    CHECK(verified.succeeded());
}

TEST_CASE("--intermediate: GetNextCACert after a rollover serves the next issuing CA under the same root",
          "[testca][intermediate]")
{
    test::temp_dir dir;
    testca_server server(dir, {"--intermediate", "--key-bits", "1024"});
    client c(server.url);
    const hierarchy h(served_chain(c));
    const auto rolled = server.command({"rollover", "--key-bits", "1024"});
    INFO(rolled.output << rolled.errors);
    REQUIRE(rolled.succeeded());
    CHECK(rolled.output.find("issuing CA (next)") != std::string::npos);

    const auto next = run(c.ioc, engine::async_get_next_ca(c.ep, "", c.diag));
    REQUIRE(next);
    REQUIRE(next->has_value());
    const std::vector<Botan::X509_Certificate> signers{h.issuing()};
    const auto chain = scep::verify_next_ca(**next, signers);
    REQUIRE(chain);
    REQUIRE(chain->size() == 2);
    CHECK(chain->at(1) == h.root());
    CHECK_FALSE(chain->at(0) == h.issuing());
    const auto root_pem = dir.write("root.pem", h.root().PEM_encode()).string();
    const auto next_pem = dir.write("next-ca.pem", chain->at(0).PEM_encode()).string();
    CHECK(openssl({"verify", "-CAfile", root_pem, next_pem}).succeeded());
}

TEST_CASE("startup refusals: a bad --chain-order is a usage error, --intermediate on a self-signed CA's state "
          "says what to do",
          "[testca][intermediate]")
{
    test::temp_dir dir;
    testca_server server(dir, {"--key-bits", "1024"});
    server.process->kill(SIGTERM);

    const auto bad_order = server.serve_expecting_exit({"--chain-order", "leaf_first"});
    CHECK(bad_order.exit_code == 64);
    CHECK(bad_order.errors.find("--chain-order must be leaf-first, root-first or random") != std::string::npos);
    CHECK(bad_order.errors.find("usage:") != std::string::npos);
    CHECK(server.serve_expecting_exit({"--chain-order"}).exit_code == 64);

    const auto mismatch = server.serve_expecting_exit({"--intermediate"});
    CHECK(mismatch.exit_code == 1);
    CHECK(mismatch.errors.find("self-signed (made without --intermediate)") != std::string::npos);
    CHECK_FALSE(fs::exists(server.state / "root.crt"));

    // Still the plain CA without the flag: one DER certificate, as before.
    server.restart_with({"--chain-order", "random"});
    client c(server.url);
    const auto ca = run(c.ioc, engine::async_get_ca(c.ep, "", c.diag));
    REQUIRE(ca);
    REQUIRE(ca->has_value());
    CHECK((*ca)->content_type == "application/x-x509-ca-cert");
    CHECK((*ca)->certificates.size() == 1);
    CHECK(read_all(server.log()).find("--chain-order has no effect") != std::string::npos);
}

TEST_CASE("renewal, GetCert, GetCRL after revoke, GetNextCACert after rollover", "[testca]")
{
    test::temp_dir dir;
    testca_server server(dir, {});
    client c(server.url);
    const auto roles = c.roles();

    auto first = prepare(roles, "", 16);
    const auto issued = *enroll(c, std::move(first.params)).result.certificate;

    // RenewalReq: a new key, signed with the issued certificate and its key.
    auto second = prepare(roles, "", 17);
    second.params.type = scep::message_type::renewal_req;
    second.params.signer_key = std::make_shared<const cms::software_key>(first.key);
    second.params.signer_cert = issued;
    const auto renewed = enroll(c, std::move(second.params));
    REQUIRE(renewed.result.status == scep::pki_status::success);
    CHECK(renewed.result.certificate->subject_public_key_bitstring() == second.key->public_key_bits());
    CHECK_FALSE(renewed.result.certificate->serial_number() == issued.serial_number());

    // GetCert by serial.
    const auto id = cms::issuer_and_serial::of(issued);
    const cms::software_key first_ops(*first.key);
    const auto ctx = query_context(roles, first_ops, issued);
    const auto got = query(c, scep::make_get_cert(id, ctx, test::rng()).value(), roles, *first.key, issued);
    REQUIRE(got);
    CHECK(scep::requested_certificate(*got, id).value() == issued);

    // GetCRL after revoke (hex with colons, as sscep writes serials).
    std::string colon_serial = "00:"; // a leading zero byte keeps a one-byte serial hex
    for (auto b : issued.serial_number()) {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%02x:", b);
        colon_serial += buf;
    }
    colon_serial.pop_back();
    const auto revoked = server.command({"revoke", colon_serial});
    INFO(revoked.errors);
    REQUIRE(revoked.succeeded());
    const auto crl_rep = query(c, scep::make_get_crl(id, ctx, test::rng()).value(), roles, *first.key, issued);
    REQUIRE(crl_rep);
    const auto crl = scep::verified_crl(*crl_rep, roles.ca);
    REQUIRE(crl);
    CHECK(crl->is_revoked(issued));
    CHECK_FALSE(crl->is_revoked(*renewed.result.certificate));

    // A revoked certificate no longer renews.
    auto third = prepare(roles, "", 18);
    third.params.type = scep::message_type::renewal_req;
    third.params.signer_key = std::make_shared<const cms::software_key>(first.key);
    third.params.signer_cert = issued;
    const auto refused = enroll(c, std::move(third.params));
    CHECK(refused.result.status == scep::pki_status::failure);

    // GetNextCACert: 404 before rollover, a signed chain after.
    const auto none = run(c.ioc, engine::async_get_next_ca(c.ep, "", c.diag));
    REQUIRE(none);
    CHECK_FALSE(none->has_value());
    CHECK(c.diag.http_status == 404);
    REQUIRE(server.command({"rollover", "--key-bits", "1024"}).succeeded());
    const auto next = run(c.ioc, engine::async_get_next_ca(c.ep, "", c.diag));
    REQUIRE(next);
    REQUIRE(next->has_value());
    const auto chain = scep::verify_next_ca(**next, roles.signers);
    REQUIRE(chain);
    REQUIRE(chain->size() == 1);
    CHECK(chain->front().is_CA_cert());
    CHECK_FALSE(chain->front() == roles.ca);
}

TEST_CASE("200 enrollments in parallel on one io_context get 200 distinct serials", "[testca]")
{
    test::temp_dir dir;
    testca_server server(dir, {});
    // 200 requests queue at one CA that signs one at a time: on a loaded
    // 2-core machine under ASan the last wait longer than the default 30 s
    // read deadline. This test is about serials, not latency.
    transport::client_options patient;
    patient.timeouts.read = 170s;
    patient.timeouts.operation = 175s;
    client c(server.url, patient);
    const auto roles = c.roles();

    constexpr int count = 200;
    std::vector<enrollment> prepared;
    for (int i = 0; i < count; ++i)
        prepared.push_back(prepare(roles, "", 20 + i % 4, "PARALLEL-" + std::to_string(i)));

    std::vector<std::optional<engine::enroll_outcome>> outcomes(count);
    for (int i = 0; i < count; ++i) {
        asio::co_spawn(c.ioc, engine::async_enroll(c.ep, std::move(prepared[i].params), true, test::rng(), nullptr),
                       [&outcomes, i](std::exception_ptr e, engine::enroll_outcome o) {
                           if (!e)
                               outcomes[i] = std::move(o);
                       });
    }
    c.ioc.restart();
    c.ioc.run_for(180s);

    std::set<std::vector<std::uint8_t>> serials;
    int done = 0;
    for (const auto& o : outcomes) {
        if (!o)
            continue;
        ++done;
        INFO(transport::describe(o->result.error, o->diag));
        REQUIRE_FALSE(o->result.error);
        REQUIRE(o->result.status == scep::pki_status::success);
        serials.insert(o->result.certificate->serial_number());
    }
    CHECK(done == count);
    CHECK(serials.size() == count);
}

TEST_CASE("kill -9 mid-run: after a restart on the same state, certificates and pending enrollments carry on",
          "[testca]")
{
    test::temp_dir dir;
    testca_server server(dir, {"--pending", "2"});
    client c(server.url);
    const auto roles = c.roles();

    auto first = prepare(roles, "", 24);
    const auto issued = *enroll(c, std::move(first.params)).result.certificate;

    // The second enrollment is PENDING when the server dies; it comes back on
    // the same port before the next poll and the engine never notices.
    auto second = prepare(roles, "", 25);
    on_first_pending obs;
    obs.action = [&] { server.crash_and_restart(); };
    const auto out = enroll(c, std::move(second.params), &obs);
    CHECK(server.starts == 2);
    CHECK(out.result.status == scep::pki_status::success);
    CHECK(out.result.messages_sent == 3);

    // What the first server issued is still served.
    const auto id = cms::issuer_and_serial::of(issued);
    const auto got = query(c, scep::make_get_cert(id, query_context(roles, cms::software_key(*first.key), issued), test::rng()).value(),
                           roles, *first.key, issued);
    REQUIRE(got);
    CHECK(scep::requested_certificate(*got, id).value() == issued);
    CHECK_FALSE(out.result.certificate->serial_number() == issued.serial_number());

    // A pending transaction left by a dead server completes with sscep -R style polling.
    auto third = prepare(roles, "", 26);
    third.params.polling.max_count = 1; // send the request, take the PENDING, stop
    const auto pending = enroll(c, third.params);
    CHECK(pending.result.status == scep::pki_status::pending);
    server.crash_and_restart();
    client fresh(server.url);
    third.params.resume = true;
    third.params.polling.max_count = 10;
    const auto resumed = enroll(fresh, std::move(third.params));
    CHECK(resumed.result.status == scep::pki_status::success);
    REQUIRE(resumed.result.certificate);
}

#ifdef ASCEP_HAVE_SCEPCLIENT
TEST_CASE("the Debian scepclient enrolls, and openssl verifies what it got", "[testca][scepclient]")
{
    test::temp_dir dir;
    testca_server server(dir, {"--challenge", "secret"});
    const auto work = dir.file("client");
    fs::create_directories(work);
    // scepclient writes csr.pem into its working directory: give it its own.
    const auto r = test::run_process({"sh", "-c",
                                      "cd \"$0\" && exec scepclient -server-url \"$1\" -challenge secret "
                                      "-private-key k.pem -certificate c.pem -cn scepclient-device",
                                      work.string(), server.url});
    INFO(r.output << r.errors);
    REQUIRE(r.succeeded());
    const auto verify = test::run_process(
        {"openssl", "verify", "-CAfile", (server.state / "ca.crt").string(), (work / "c.pem").string()});
    INFO(verify.output << verify.errors);
    CHECK(verify.succeeded());

    const auto wrong = test::run_process({"sh", "-c",
                                          "mkdir -p \"$0/w\" && cd \"$0/w\" && exec scepclient -server-url \"$1\" "
                                          "-challenge nope -private-key k.pem -certificate c.pem -cn other",
                                          work.string(), server.url});
    CHECK_FALSE(wrong.succeeded());
    CHECK_FALSE(fs::exists(work / "w" / "c.pem"));
}
#endif
