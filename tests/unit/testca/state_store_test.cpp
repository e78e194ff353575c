// The state directory: round trips, serial allocation, atomic files, CRL.
#include "testca/state_store.hpp"

#include "temp_dir.hpp"
#include "test_csr.hpp"
#include "test_pki.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <set>

using namespace ascep;

namespace {

const auto now = std::chrono::system_clock::now();

testca::identity test_ca()
{
    const auto t = test::self_signed("State CA", 0);
    return {t.key, t.cert};
}

} // namespace

TEST_CASE("serials are allocated once each, across store objects (a restart)")
{
    test::temp_dir dir;
    std::set<std::string> seen;
    {
        testca::state_store store(dir.path() / "state");
        for (int i = 0; i < 20; ++i)
            CHECK(seen.insert(testca::serial_hex(store.allocate_serial())).second);
    }
    testca::state_store again(dir.path() / "state");
    const auto next = again.allocate_serial();
    CHECK(seen.insert(testca::serial_hex(next)).second);
    CHECK(next == Botan::BigInt(16 + 20));
}

TEST_CASE("under group commit serials are reserved a block at a time: a command allocating meanwhile and a "
          "restart start above the block")
{
    test::temp_dir dir;
    testca::state_store server(dir.path() / "state");
    server.defer_durability();
    CHECK(server.allocate_serial() == Botan::BigInt(16));
    // Another process (`rollover`) allocates while the server runs.
    testca::state_store command(dir.path() / "state");
    CHECK(command.allocate_serial() == Botan::BigInt(16 + testca::state_store::serial_block));
    for (unsigned i = 1; i < testca::state_store::serial_block; ++i)
        CHECK(server.allocate_serial() == Botan::BigInt(16 + i));
    // The block used up, the next one starts above the command's serial.
    CHECK(server.allocate_serial() == Botan::BigInt(16 + testca::state_store::serial_block + 1));
    // A restart leaves the rest of the block unused: a gap, never a reuse.
    testca::state_store again(dir.path() / "state");
    CHECK(again.allocate_serial() == Botan::BigInt(16 + 2 * testca::state_store::serial_block + 1));
}

TEST_CASE("transactions round-trip through JSON, whatever their ID")
{
    test::temp_dir dir;
    testca::state_store store(dir.path());
    testca::transaction t;
    t.id = "ABCDEF0123456789";
    t.type = scep::message_type::renewal_req;
    t.state = testca::transaction_state::issued;
    t.polls = 3;
    t.csr = {0x30, 0x03, 0x02, 0x01, 0x05};
    t.subject = "CN=\"device 1\"";
    t.serial = Botan::BigInt(0x1234);
    t.created = 1700000000;
    store.save_transaction(t);

    testca::transaction odd = t;
    odd.id = "a/b+c=../..\n";
    odd.serial.reset();
    odd.state = testca::transaction_state::pending;
    odd.created = 1700000001;
    store.save_transaction(odd);
    CHECK(testca::state_store::transaction_file_name(odd.id).front() == '~');

    const auto back = store.load_transaction(t.id);
    REQUIRE(back);
    CHECK(back->type == t.type);
    CHECK(back->state == t.state);
    CHECK(back->polls == 3);
    CHECK(back->csr == t.csr);
    CHECK(back->subject == t.subject);
    CHECK(back->serial == t.serial);
    CHECK(back->created == t.created);
    const auto odd_back = store.load_transaction(odd.id);
    REQUIRE(odd_back);
    CHECK(odd_back->id == odd.id);
    CHECK_FALSE(odd_back->serial);
    CHECK_FALSE(store.load_transaction("nope"));

    const auto all = store.transactions();
    REQUIRE(all.size() == 2);
    CHECK(all[0].id == t.id);
    CHECK(all[1].id == odd.id);

    CHECK_THROWS(testca::transaction_from_json("{\"id\":1}"));
    CHECK_THROWS(testca::transaction_from_json("not json"));
}

TEST_CASE("issued certificates, identities and the CRL survive a new store object")
{
    test::temp_dir dir;
    const auto ca = test_ca();
    const auto device_key = test::cached_key(1);
    const test::request_spec spec{.subject = "CN=device-1"};
    const auto csr = test::make_request(*device_key, spec);
    Botan::BigInt serial;
    {
        testca::state_store store(dir.path());
        store.save_identity("ca", ca);
        serial = store.allocate_serial();
        store.save_issued(testca::issue_certificate(ca, scep::read_csr(csr).value(), serial, std::chrono::hours(24 * 30), now, test::rng()));
    }
    testca::state_store store(dir.path());
    const auto loaded = store.load_identity("ca");
    REQUIRE(loaded);
    CHECK(loaded->cert == ca.cert);
    CHECK(loaded->key->private_key_bits() == ca.key->private_key_bits());
    struct stat st {};
    REQUIRE(::stat((dir.path() / "ca.key").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);

    const auto cert = store.find_issued(serial);
    REQUIRE(cert);
    CHECK(cert->subject_dn() == test::request_subject(spec));
    CHECK(cert->check_signature(*ca.cert.load_subject_public_key()));
    CHECK(cert->constraints() == Botan::Key_Constraints(Botan::DIGITAL_SIGNATURE | Botan::KEY_ENCIPHERMENT));
    CHECK(store.issued().size() == 1);
    CHECK_FALSE(store.find_issued(serial + 1));

    CHECK_FALSE(store.crl());
    store.save_crl(testca::make_crl(ca, std::nullopt, {}, now, test::rng()));
    const auto crl = testca::revoke_serial(store, ca, serial, now, test::rng());
    CHECK(crl.is_revoked(*cert));
    CHECK(store.crl()->is_revoked(*cert));
    CHECK(store.crl()->check_signature(*ca.cert.load_subject_public_key()));
    CHECK_THROWS(testca::revoke_serial(store, ca, serial + 100, now, test::rng()));
    // No temp files left behind.
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir.path()))
        CHECK(e.path().string().find(".tmp.") == std::string::npos);
}

TEST_CASE("load_or_create_ca makes the CA once and the RA certificates on demand")
{
    test::temp_dir dir;
    testca::state_store store(dir.path());
    const auto first = testca::load_or_create_ca(store, {1024, false, false}, now, test::rng());
    CHECK(first.ca.cert.is_CA_cert());
    CHECK(first.ca.cert.constraints() ==
          Botan::Key_Constraints(Botan::KEY_CERT_SIGN | Botan::CRL_SIGN | Botan::DIGITAL_SIGNATURE |
                                 Botan::KEY_ENCIPHERMENT));
    CHECK_FALSE(first.serves_chain());
    CHECK_FALSE(first.root);
    CHECK(store.crl());

    const auto again = testca::load_or_create_ca(store, {1024, true, false}, now, test::rng());
    CHECK(again.ca.cert == first.ca.cert);
    REQUIRE(again.ra_sign);
    REQUIRE(again.ra_enc);
    CHECK(again.ra_sign->cert.constraints() == Botan::DIGITAL_SIGNATURE);
    CHECK(again.ra_enc->cert.constraints() == Botan::KEY_ENCIPHERMENT);
    CHECK(again.ra_sign->cert.check_signature(*first.ca.cert.load_subject_public_key()));
    CHECK(&again.reply_signer() == &*again.ra_sign);
    CHECK(&again.decryptor() == &*again.ra_enc);
    CHECK(again.serves_chain());
    CHECK(again.levels() == testca::chain_levels{{again.ra_sign->cert, again.ra_enc->cert}, {first.ca.cert}});
}

TEST_CASE("serials parse as sscep writes them")
{
    CHECK(testca::parse_serial("26") == Botan::BigInt(26));
    CHECK(testca::parse_serial("0x1A") == Botan::BigInt(26));
    CHECK(testca::parse_serial("1a") == std::nullopt);
    CHECK(testca::parse_serial("00:1a") == Botan::BigInt(26));
    CHECK_FALSE(testca::parse_serial(""));
    CHECK_FALSE(testca::parse_serial("0xzz"));
    CHECK_FALSE(testca::parse_serial(":"));
    CHECK(testca::serial_hex(Botan::BigInt(26)) == "1A");
}

TEST_CASE("--intermediate: a root and an issuing CA under it, kept on restart with or without the flag")
{
    test::temp_dir dir;
    testca::state_store store(dir.path());
    const auto first = testca::load_or_create_ca(store, {1024, false, true}, now, test::rng());
    REQUIRE(first.root);
    CHECK(first.serves_chain());
    CHECK(first.root->is_self_signed());
    CHECK(first.root->is_CA_cert());
    CHECK(first.root->constraints() == Botan::Key_Constraints(Botan::KEY_CERT_SIGN | Botan::CRL_SIGN));
    CHECK(first.root->path_limit() == 1);
    CHECK_FALSE(first.ca.cert.is_self_signed());
    CHECK(first.ca.cert.is_CA_cert());
    CHECK(first.ca.cert.path_limit() == 0);
    CHECK(first.ca.cert.constraints() ==
          Botan::Key_Constraints(Botan::KEY_CERT_SIGN | Botan::CRL_SIGN | Botan::DIGITAL_SIGNATURE |
                                 Botan::KEY_ENCIPHERMENT));
    CHECK(testca::issued_by(first.ca.cert, *first.root));
    CHECK_FALSE(testca::issued_by(*first.root, first.ca.cert));
    CHECK(first.ca.cert.not_after().cmp(first.root->not_after()) <= 0);
    CHECK(first.levels() == testca::chain_levels{{first.ca.cert}, {*first.root}});
    // Without an RA the issuing CA answers and opens requests; the CRL is its own.
    CHECK(&first.reply_signer() == &first.ca);
    CHECK(&first.decryptor() == &first.ca);
    REQUIRE(store.crl());
    CHECK(store.crl()->issuer_dn() == first.ca.cert.subject_dn());
    CHECK(store.crl()->check_signature(*first.ca.cert.load_subject_public_key()));

    SECTION("restarted without the flag: the same hierarchy")
    {
        const auto again = testca::load_or_create_ca(store, {1024, false, false}, now, test::rng());
        REQUIRE(again.root);
        CHECK(*again.root == *first.root);
        CHECK(again.ca.cert == first.ca.cert);
    }
    SECTION("restarted with --ra: RA certificates from the issuing CA, not from the root")
    {
        const auto again = testca::load_or_create_ca(store, {1024, true, true}, now, test::rng());
        REQUIRE(again.ra_sign);
        REQUIRE(again.ra_enc);
        CHECK(again.ca.cert == first.ca.cert);
        CHECK(testca::issued_by(again.ra_sign->cert, first.ca.cert));
        CHECK(testca::issued_by(again.ra_enc->cert, first.ca.cert));
        CHECK(again.levels() ==
              testca::chain_levels{{again.ra_sign->cert, again.ra_enc->cert}, {first.ca.cert}, {*first.root}});
    }
    SECTION("rollover: the next issuing CA under the same root")
    {
        const auto next = testca::make_rollover_ca(store, 1024, now, test::rng());
        CHECK(testca::issued_by(next.cert, *first.root));
        CHECK(next.cert.path_limit() == 0);
        CHECK_FALSE(next.cert == first.ca.cert);
        CHECK(store.load_identity("next-ca")->cert == next.cert);
    }
    SECTION("a ca.crt the root did not issue is refused")
    {
        store.save_identity("ca", testca::make_ca(1024, "stranger", Botan::BigInt(99), now, test::rng()));
        CHECK_THROWS_WITH(testca::load_or_create_ca(store, {1024, false, false}, now, test::rng()),
                          Catch::Contains("was not issued by root.crt"));
    }
}

TEST_CASE("--intermediate on a self-signed CA's state directory is an error that says what to do")
{
    test::temp_dir dir;
    testca::state_store store(dir.path());
    const auto plain = testca::load_or_create_ca(store, {1024, false, false}, now, test::rng());
    CHECK_THROWS_WITH(testca::load_or_create_ca(store, {1024, false, true}, now, test::rng()),
                      Catch::Contains("self-signed (made without --intermediate)") &&
                          Catch::Contains("empty --dir"));
    CHECK_FALSE(store.load_identity("root"));
    CHECK(store.load_identity("ca")->cert == plain.ca.cert);
    // A self-signed CA still rolls over to a self-signed one.
    CHECK(testca::make_rollover_ca(store, 1024, now, test::rng()).cert.is_self_signed());
}

TEST_CASE("a first start with --intermediate that stopped after the root finishes the hierarchy, flag or not")
{
    test::temp_dir dir;
    testca::state_store store(dir.path());
    const auto root = testca::make_root_ca(1024, "left behind", Botan::BigInt(1), now, test::rng());
    store.save_identity("root", root);
    const auto m = testca::load_or_create_ca(store, {1024, false, false}, now, test::rng());
    REQUIRE(m.root);
    CHECK(*m.root == root.cert);
    CHECK(testca::issued_by(m.ca.cert, root.cert));
}
