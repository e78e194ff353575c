// The engine against the Debian scepserver (micromdm 2.1.0), started by the
// test on a free port. scepserver listens on all interfaces; we only ever
// talk to it over 127.0.0.1.
#include "engine/enroll.hpp"
#include "cms/software_key.hpp"
#include "engine/operations.hpp"
#include "scep/ca_certs.hpp"
#include "scep/ca_roles.hpp"
#include "scep/self_signed.hpp"
#include "scep/transaction_id.hpp"

#include "scepserver.hpp"
#include "test_csr.hpp"
#include "test_pki.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <botan/pkix_types.h>
#include <catch2/catch.hpp>
#include "catch_result.hpp"

#include <optional>

using namespace ascep;
namespace asio = boost::asio;

namespace {

struct enrollment {
    std::shared_ptr<Botan::RSA_PrivateKey> key;
    scep::enroll_params params;
};

enrollment prepare(const scep::ca_roles& roles, const std::string& challenge, scep::algorithm_choice algorithms,
                   int key_slot)
{
    enrollment e;
    e.key = test::cached_key(key_slot);
    const test::request_spec csr{.subject = "CN=device-" + std::to_string(key_slot), .challenge = challenge};
    auto& p = e.params;
    p.csr = test::make_request(*e.key, csr);
    p.subject = test::request_subject(csr);
    p.csr_key = e.key;
    p.signer_key = std::make_shared<const cms::software_key>(e.key);
    p.signer_cert = scep::make_self_signed(cms::software_key(*e.key), p.subject, std::chrono::system_clock::now(), test::rng());
    p.ca_cert = roles.ca;
    p.recipients = {roles.encryption};
    p.trusted_signers = roles.signers;
    p.algorithms = algorithms;
    p.transaction_id = scep::transaction_id_for(*e.key);
    p.polling = {std::chrono::seconds(1), std::chrono::seconds(10), 3};
    return e;
}

} // namespace

TEST_CASE("GetCACaps, GetCACert and enrollment against the Debian scepserver")
{
    test::scepserver server;
    transport::diagnostics diag;

    asio::io_context ioc;
    transport::http_client http(ioc.get_executor());
    const engine::endpoint ep{&http, server.url(), {}};

    std::optional<boost::system::result<scep::ca_caps>> caps;
    std::optional<boost::system::result<engine::ca_cert_response>> ca;
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            auto c = co_await engine::async_get_caps(ep, diag);
            caps = std::move(c);
            auto a = co_await engine::async_get_ca(ep, "", diag);
            ca = std::move(a);
        },
        asio::detached);
    ioc.run_for(std::chrono::seconds(20));
    REQUIRE(caps);
    REQUIRE(caps->has_value());
    CHECK((*caps)->has("SCEPStandard"));
    CHECK((*caps)->post());
    REQUIRE(ca);
    REQUIRE(ca->has_value());
    REQUIRE((*ca)->certificates.size() == 1);
    const auto roles = scep::select_ca_roles((*ca)->certificates).value();

    int slot = 10;
    for (const auto cipher : {asn1::cipher_algorithm::aes128_cbc, asn1::cipher_algorithm::des_ede3_cbc,
                              asn1::cipher_algorithm::des_cbc}) {
        for (const auto digest : {asn1::digest_algorithm::sha1, asn1::digest_algorithm::sha256,
                                  asn1::digest_algorithm::sha512}) {
            for (const bool post : {false, true}) {
                CAPTURE(asn1::cli_name(cipher), asn1::cli_name(digest), post);
                scep::algorithm_choice algorithms;
                algorithms.cipher = cipher;
                algorithms.digest = digest;
                auto e = prepare(roles, "secret", algorithms, slot++ % 4 + 10);
                std::optional<engine::enroll_outcome> outcome;
                asio::co_spawn(
                    ioc,
                    [&]() -> asio::awaitable<void> {
                        auto o = co_await engine::async_enroll(ep, std::move(e.params), post, test::rng(), nullptr);
                        outcome = std::move(o);
                    },
                    asio::detached);
                ioc.restart();
                ioc.run_for(std::chrono::seconds(30));
                REQUIRE(outcome);
                INFO(outcome->result.error.message() << " / " << transport::describe(outcome->result.error, outcome->diag));
                REQUIRE_FALSE(outcome->result.error);
                REQUIRE(outcome->result.status == scep::pki_status::success);
                REQUIRE(outcome->result.certificate);
                const auto& cert = *outcome->result.certificate;
                CHECK(cert.issuer_dn() == roles.ca.subject_dn());
                CHECK(cert.check_signature(*roles.ca.load_subject_public_key()));
                CHECK(cert.subject_public_key_bitstring() == e.key->public_key_bits());
            }
        }
    }
}

TEST_CASE("a wrong challenge is refused with FAILURE badRequest")
{
    test::scepserver server;
    asio::io_context ioc;
    transport::http_client http(ioc.get_executor());
    const engine::endpoint ep{&http, server.url(), {}};
    transport::diagnostics diag;

    std::optional<engine::enroll_outcome> outcome;
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            auto ca = co_await engine::async_get_ca(ep, "", diag);
            REQUIRE(ca);
            const auto roles = scep::select_ca_roles(ca->certificates).value();
            auto e = prepare(roles, "not the secret", {}, 20);
            auto o = co_await engine::async_enroll(ep, std::move(e.params), true, test::rng(), nullptr);
            outcome = std::move(o);
        },
        asio::detached);
    ioc.run_for(std::chrono::seconds(30));
    REQUIRE(outcome);
    REQUIRE_FALSE(outcome->result.error);
    CHECK(outcome->result.status == scep::pki_status::failure);
    CHECK(outcome->result.fail_info == scep::fail_info::bad_request);
    CHECK_FALSE(outcome->result.certificate);
}
