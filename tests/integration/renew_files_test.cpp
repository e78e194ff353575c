// ascep renew and the files it replaces: a key's owner, group and mode
// (root:ssl-cert 0640, as Debian's ssl-cert package sets them up) and the
// certificate's mode survive the swap; a symlinked key and certificate stay
// symlinks to the renewed files, also after a crash at each step and a
// re-run; with --key-pass the new key is encrypted like the old one.
#include "renew_fixture.hpp"

#include <catch2/catch.hpp>

#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace ascep;
using namespace ascep::test;
namespace fs = std::filesystem;

namespace {

/// The gid of ssl-cert, made (as Debian's ssl-cert package does) when the
/// system has no such group.
gid_t ssl_cert_gid()
{
    if (const auto* g = ::getgrnam("ssl-cert"))
        return g->gr_gid;
    const auto r = run_process({"groupadd", "--system", "ssl-cert"});
    INFO(r.errors);
    REQUIRE(r.exit_code == 0);
    const auto* g = ::getgrnam("ssl-cert");
    REQUIRE(g != nullptr);
    return g->gr_gid;
}

struct stat stat_of(const fs::path& p)
{
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st;
}

} // namespace

TEST_CASE("renew keeps the key's owner, group and mode (root:ssl-cert 0640) and the certificate's mode")
{
    REQUIRE(::geteuid() == 0); // chown to another owner needs root; CI runs the suite as root
    renew_fixture t;
    const gid_t gid = ssl_cert_gid();
    // root:ssl-cert, and an owner other than the user running renew (root).
    const uid_t owner = GENERATE(uid_t{0}, uid_t{65534});
    INFO("key owner " << owner);
    t.enroll("dev");
    REQUIRE(::chown(t.path("dev.key").c_str(), owner, gid) == 0);
    REQUIRE(::chmod(t.path("dev.key").c_str(), 0640) == 0);
    REQUIRE(::chmod(t.path("dev.crt").c_str(), 0444) == 0);
    const auto old_key = t.dir.read("dev.key");

    const auto r = t.renew("dev");
    INFO(r.output << r.errors);
    REQUIRE(r.exit_code == 0);
    CHECK(t.pair_matches("dev"));
    CHECK(t.dir.read("dev.key") != old_key);
    for (const char* key : {"dev.key", "dev.key.prev"}) {
        INFO(key);
        const auto st = stat_of(t.path(key));
        CHECK(st.st_uid == owner);
        CHECK(st.st_gid == gid);
        CHECK((st.st_mode & 07777) == 0640);
    }
    CHECK((stat_of(t.path("dev.crt")).st_mode & 07777) == 0444);
    CHECK((stat_of(t.path("dev.crt.prev")).st_mode & 07777) == 0444);
}

TEST_CASE("a symlinked key and certificate stay symlinks to the renewed files")
{
    renew_fixture t;
    t.enroll("dev");
    fs::create_directory(t.path("real"));
    fs::rename(t.path("dev.key"), t.path("real/dev.key"));
    fs::rename(t.path("dev.crt"), t.path("real/dev.crt"));
    fs::create_symlink("real/dev.key", t.path("dev.key"));      // relative
    fs::create_symlink(t.path("real/dev.crt"), t.path("dev.crt")); // absolute
    const auto old_key = t.dir.read("real/dev.key");
    const auto old_cert = t.dir.read("real/dev.crt");

    const auto r = t.renew("dev", {"-v"});
    INFO(r.output << r.errors);
    REQUIRE(r.exit_code == 0);
    CHECK(fs::is_symlink(t.path("dev.key")));
    CHECK(fs::is_symlink(t.path("dev.crt")));
    CHECK(fs::read_symlink(t.path("dev.key")) == "real/dev.key");
    CHECK(fs::read_symlink(t.path("dev.crt")) == t.path("real/dev.crt"));
    CHECK(t.pair_matches("dev")); // through the links
    CHECK(t.dir.read("real/dev.key") != old_key);
    CHECK(t.dir.read("real/dev.key.prev") == old_key);
    CHECK(t.dir.read("real/dev.crt.prev") == old_cert);
    for (const char* stray : {"dev.key.new", "dev.crt.new", "dev.key.prev", "dev.crt.prev", "real/dev.key.new"})
        CHECK_FALSE(fs::exists(t.path(stray)));
}

TEST_CASE("symlinked pair: a crash at each step, then a re-run, leaves the links pointing to a matching pair")
{
    renew_fixture t;
    fs::create_directory(t.path("real"));
    for (const auto& step : {"key-written", "issued", "cert-written", "previous-kept", "cert-removed",
                             "key-installed"}) {
        INFO("crash at " << step);
        const std::string name = std::string("dev-") + step;
        t.enroll(name);
        for (const char* ext : {".key", ".crt"}) {
            fs::rename(t.path(name + ext), t.path("real/" + name + ext));
            fs::create_symlink("real/" + name + ext, t.path(name + ext));
        }
        const auto old_key = t.dir.read("real/" + name + ".key");

        auto r = t.renew(name, {}, step);
        INFO(r.output << r.errors);
        REQUIRE(r.exit_code == crash_exit);
        CHECK(fs::is_symlink(t.path(name + ".key")));
        CHECK(fs::is_symlink(t.path(name + ".crt")));
        if (fs::exists(t.path("real/" + name + ".crt")))
            CHECK(t.pair_matches(name));

        r = t.renew(name);
        INFO(r.output << r.errors);
        REQUIRE(r.exit_code == 0);
        CHECK(fs::is_symlink(t.path(name + ".key")));
        CHECK(fs::is_symlink(t.path(name + ".crt")));
        CHECK(t.pair_matches(name));
        CHECK(t.dir.read("real/" + name + ".key") != old_key);
        CHECK(t.dir.read("real/" + name + ".key.prev") == old_key);
        CHECK_FALSE(fs::exists(t.path("real/" + name + ".key.new")));
        CHECK_FALSE(fs::exists(t.path("real/" + name + ".crt.new")));
    }
}

TEST_CASE("renew --key-pass: the new key is encrypted under the passphrase; a wrong one writes nothing")
{
    renew_fixture t;
    t.dir.write("pw.txt", "renewal passphrase 99\n");
    t.dir.write("wrong.txt", "some other words\n");
    const std::string pw = "file:" + t.path("pw.txt").string();
    t.enroll("dev", {"--key-pass", pw});
    const auto old_key = t.dir.read("dev.key");

    auto r = t.renew("dev", {"--key-pass", "file:" + t.path("wrong.txt").string()});
    INFO(r.output << r.errors);
    CHECK(r.exit_code == 93);
    CHECK(r.errors.find("wrong passphrase") != std::string::npos);
    CHECK(r.errors.find("some other words") == std::string::npos);
    CHECK_FALSE(fs::exists(t.path("dev.key.new")));
    CHECK(t.dir.read("dev.key") == old_key);

    r = t.renew("dev", {"--key-pass", pw});
    INFO(r.output << r.errors);
    REQUIRE(r.exit_code == 0);
    CHECK(r.output.find("renewal passphrase 99") == std::string::npos);
    CHECK(t.dir.read("dev.key") != old_key);
    CHECK(slurp(t.path("dev.key")).rfind("-----BEGIN ENCRYPTED PRIVATE KEY-----", 0) == 0);
    CHECK(t.pair_matches("dev", "renewal passphrase 99"));
    const auto p = run_process({"openssl", "pkey", "-in", t.path("dev.key").string(), "-passin", pw, "-noout"});
    INFO(p.errors);
    CHECK(p.exit_code == 0);
}
