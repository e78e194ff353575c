// The renewal's key and certificate swap (fleet/renewal_files): the decision
// at the start of a run, and a crash after every file operation of the swap,
// each followed by what the next run does.
#include "fleet/renewal_files.hpp"

#include "io/durable_file.hpp"
#include "temp_dir.hpp"
#include "test_pki.hpp"

#include <botan/data_src.h>
#include <botan/pkcs8.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <sys/stat.h>

using namespace ascep;
using fleet::device_state;
using fleet::renewal_step;
namespace fs = std::filesystem;

TEST_CASE("renewal: the decision at the start of a run, from the files and the journal")
{
    using F = fleet::renewal_files;
    const std::optional<device_state> none;
    // Nothing under way: renew if due, whatever the journal says.
    CHECK(next_renewal_step(F{false, false}, none) == renewal_step::none);
    CHECK(next_renewal_step(F{false, false}, device_state::renewed) == renewal_step::none);
    // The swap's last step is the removal of cert.new.pem: a journal that
    // lagged behind the files ("renewal_pending") does not start another.
    CHECK(next_renewal_step(F{false, false}, device_state::renewal_pending) == renewal_step::none);
    // key.new.pem: its request, again; a CertPoll when the CA said PENDING.
    CHECK(next_renewal_step(F{true, false}, none) == renewal_step::resend);
    CHECK(next_renewal_step(F{true, false}, device_state::issued) == renewal_step::resend);
    CHECK(next_renewal_step(F{true, false}, device_state::renewing) == renewal_step::resend);
    CHECK(next_renewal_step(F{true, false}, device_state::renewal_pending) == renewal_step::poll);
    // cert.new.pem: finish the swap, with or without key.new.pem (renamed first).
    for (const bool key_new : {true, false})
        for (const auto j : {none, std::optional(device_state::renewing), std::optional(device_state::renewed),
                             std::optional(device_state::renewal_pending)})
            CHECK(next_renewal_step(F{key_new, true}, j) == renewal_step::finish_swap);
}

namespace {

struct device_dir {
    test::temp_dir tmp;
    fleet::device d;
    fleet::device_paths paths;
    test::identity ca = test::self_signed("Swap Test CA", 0);
    std::string old_key_pem, new_key_pem, old_cert_pem, new_cert_pem;

    device_dir()
    {
        d.id = "dev-1";
        paths = fleet::paths_for(tmp.path().string(), d.id);
        REQUIRE(io::make_directory_durable(paths.dir).empty());
        // The old pair as enrollment leaves it, then the new one beside it
        // as a renewal writes it before the swap.
        old_key_pem = write_pair(1, paths.key, paths.csr, paths.cert, paths.chain, "old");
        new_key_pem = write_pair(2, paths.key_new, paths.csr_new, paths.cert_new, paths.chain_new, "new");
        old_cert_pem = text(paths.cert);
        new_cert_pem = text(paths.cert_new);
    }

    std::string write_pair(int slot, const std::string& key, const std::string& csr, const std::string& cert,
                           const std::string& chain, const std::string& cn)
    {
        fleet::device_material m;
        m.key = test::cached_key(slot, 1024);
        const auto pem = Botan::PKCS8::PEM_encode(*m.key);
        REQUIRE(io::write_file_atomic(key, pem, 0600).empty());
        fleet::request_for(m, d, csr, "", false);
        REQUIRE(m.error.empty());
        REQUIRE(io::write_file_atomic(cert, test::issue(ca, *m.key, cn).PEM_encode()).empty());
        REQUIRE(io::write_file_atomic(chain, ca.cert.PEM_encode()).empty());
        return pem;
    }

    static std::string text(const std::string& path)
    {
        std::vector<std::uint8_t> bytes;
        REQUIRE(io::read_file(path, bytes, 1 << 20).empty());
        return {bytes.begin(), bytes.end()};
    }

    bool old_pair_in_place() const
    {
        return fs::exists(paths.cert) && text(paths.key) == old_key_pem && text(paths.cert) == old_cert_pem;
    }

    /// What the issue asks of every crash point: cert.pem, when there is
    /// one, is for key.pem (never the new key beside the old certificate).
    bool no_mismatched_pair() const
    {
        if (!fs::exists(paths.cert))
            return true;
        Botan::DataSource_Stream in(paths.key);
        const std::unique_ptr<Botan::Private_Key> key(Botan::PKCS8::load_key(in));
        return Botan::X509_Certificate(paths.cert).subject_public_key_bitstring() == key->public_key_bits();
    }
    bool new_pair_in_place() const { return text(paths.key) == new_key_pem && text(paths.cert) == new_cert_pem; }
};

} // namespace

TEST_CASE("renewal: a crash after each step of the swap, then the next run")
{
    // 4 copies into previous/, cert.pem's removal, the key's rename, csr's
    // and chain's, cert's.
    constexpr unsigned all_steps = 9;
    for (unsigned crash_after = 0; crash_after <= all_steps; ++crash_after) {
        INFO("crash after step " << crash_after);
        device_dir dev;
        REQUIRE(fleet::finish_swap(dev.d, dev.paths, crash_after).empty());
        const auto files = fleet::renewal_files_in(dev.paths);
        if (crash_after == all_steps) {
            CHECK_FALSE(files.cert_new);
            CHECK_FALSE(files.key_new);
        } else {
            // cert.new.pem says: finish the swap. Until cert.pem's removal
            // (step 5) nothing but previous/ has changed; from then until the
            // last step there is visibly no pair: no cert.pem.
            CHECK(files.cert_new);
            CHECK(next_renewal_step(files, std::nullopt) == renewal_step::finish_swap);
            if (crash_after <= 4)
                CHECK(dev.old_pair_in_place());
            else
                CHECK_FALSE(fs::exists(dev.paths.cert));
        }
        CHECK(dev.no_mismatched_pair());

        // The next run: look_at_device completes the swap before anything else.
        const auto disk = fleet::look_at_device(dev.d, dev.paths);
        REQUIRE(disk.error.empty());
        CHECK(dev.new_pair_in_place());
        REQUIRE(disk.issued); // cert.pem is for the key of csr.pem
        CHECK(disk.issued->PEM_encode() == dev.new_cert_pem);
        CHECK(disk.replaced.has_value() == (crash_after < all_steps));
        CHECK_FALSE(disk.files.key_new);
        CHECK_FALSE(disk.files.cert_new);
        for (const char* gone : {"key.new.pem", "csr.new.pem", "cert.new.pem", "chain.new.pem"})
            CHECK_FALSE(fs::exists(fs::path(dev.paths.dir) / gone));
        CHECK(dev.text(dev.paths.previous + "/key.pem") == dev.old_key_pem);
        CHECK(dev.text(dev.paths.previous + "/cert.pem") == dev.old_cert_pem);
        struct stat st {};
        REQUIRE(::stat((dev.paths.previous + "/key.pem").c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0600);
        REQUIRE(::stat(dev.paths.key.c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0600);
        // And a run after that finds nothing to do.
        const auto again = fleet::look_at_device(dev.d, dev.paths);
        CHECK_FALSE(again.replaced);
        CHECK(dev.new_pair_in_place());
    }
}

TEST_CASE("renewal: a cert.new.pem that is not for the new key is never swapped in")
{
    device_dir dev;
    REQUIRE(io::write_file_atomic(dev.paths.cert_new, dev.old_cert_pem).empty());
    const auto disk = fleet::look_at_device(dev.d, dev.paths);
    CHECK_THAT(disk.error, Catch::Contains("is not a certificate for the key of"));
    CHECK(dev.old_pair_in_place());
    CHECK_FALSE(fs::exists(dev.paths.previous));
}

TEST_CASE("renewal: the new key is made once; a renewal under way never makes another")
{
    device_dir dev;
    // Only the old pair: a renewal starts.
    for (const auto* p : {&dev.paths.key_new, &dev.paths.csr_new, &dev.paths.cert_new, &dev.paths.chain_new})
        fs::remove(*p);
    SECTION("a new key, written to key.new.pem before it is used; the second call reads it back")
    {
        auto m = fleet::prepare_renewal_material(dev.d, dev.paths, 1024, "", false, false, nullptr);
        REQUIRE(m.error.empty());
        CHECK(m.generated_key);
        REQUIRE(m.old_cert);
        CHECK(m.old_cert->PEM_encode() == dev.old_cert_pem);
        const auto made = dev.text(dev.paths.key_new);
        CHECK(made != dev.old_key_pem);
        CHECK(fs::exists(dev.paths.csr_new));
        const auto again = fleet::prepare_renewal_material(dev.d, dev.paths, 1024, "", false, true, nullptr);
        REQUIRE(again.error.empty());
        CHECK_FALSE(again.generated_key);
        CHECK(again.key->public_key_bits() == m.key->public_key_bits());
        CHECK(again.csr == m.csr);
        CHECK(dev.text(dev.paths.key_new) == made);
    }
    SECTION("--reuse-key: key.new.pem is the current key")
    {
        auto m = fleet::prepare_renewal_material(dev.d, dev.paths, 1024, "", true, false, nullptr);
        REQUIRE(m.error.empty());
        CHECK_FALSE(m.generated_key);
        CHECK(m.key->public_key_bits() == m.old_key->public_key_bits());
    }
    SECTION("key.new.pem gone while its request is under way: an error, no new key")
    {
        auto m = fleet::prepare_renewal_material(dev.d, dev.paths, 1024, "", false, true, nullptr);
        CHECK_THAT(m.error, Catch::Contains("is missing, but its renewal request was sent"));
        CHECK_FALSE(fs::exists(dev.paths.key_new));
    }
}
