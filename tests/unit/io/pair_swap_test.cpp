// The key/certificate swap of `ascep renew`: the pure decision for every
// combination of files, and the file work from each step, on a temp dir.
#include "io/file_attributes.hpp"
#include "io/pair_swap.hpp"

#include "temp_dir.hpp"
#include "text_files.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <sys/stat.h>

using namespace ascep;
using io::pair_step;

namespace {

io::pair_paths paths_in(const test::temp_dir& dir)
{
    return {dir.file("dev.key").string(), dir.file("dev.crt").string()};
}

io::pair_files files(bool key, bool cert, bool key_new, bool cert_new)
{
    return {key, cert, key_new, cert_new};
}

} // namespace

TEST_CASE("next_step: every state the swap leaves has one next step; the rest is broken")
{
    const io::pair_paths p{"dev.key", "dev.crt"};
    // The states of the sequence, in order.
    CHECK(io::next_step(files(true, true, false, false), p).step == pair_step::idle);
    CHECK(io::next_step(files(true, true, true, false), p).step == pair_step::request);
    CHECK(io::next_step(files(true, true, true, true), p).step == pair_step::keep_previous);
    CHECK(io::next_step(files(true, false, true, true), p).step == pair_step::install_key);
    CHECK(io::next_step(files(true, false, false, true), p).step == pair_step::install_cert);

    // Everything else: broken, with a line that names the files.
    const auto no_cert = io::next_step(files(true, false, false, false), p);
    CHECK(no_cert.step == pair_step::broken);
    CHECK(no_cert.why == "the certificate dev.crt is missing");
    CHECK(io::next_step(files(true, false, true, false), p).step == pair_step::broken);
    const auto stray = io::next_step(files(true, true, false, true), p);
    CHECK(stray.step == pair_step::broken);
    CHECK(stray.why.find("dev.crt.new exists but dev.key.new does not") != std::string::npos);
    for (int bits = 0; bits < 8; ++bits) {
        const auto d = io::next_step(files(false, bits & 1, bits & 2, bits & 4), p);
        CHECK(d.step == pair_step::broken);
        CHECK(d.why == "the key dev.key is missing");
    }
}

TEST_CASE("finish_swap from keep_previous installs the new pair and keeps the old one as .prev")
{
    test::temp_dir dir;
    const auto p = paths_in(dir);
    dir.write("dev.key", "old key");
    REQUIRE(::chmod(p.key.c_str(), 0600) == 0);
    dir.write("dev.crt", "old cert");
    dir.write("dev.key.new", "new key");
    dir.write("dev.crt.new", "new cert");
    REQUIRE(io::next_step(io::look_at(p), p).step == pair_step::keep_previous);

    REQUIRE(io::finish_swap(p, pair_step::keep_previous).empty());
    CHECK(test::slurp(p.key) == "new key");
    CHECK(test::slurp(p.cert) == "new cert");
    CHECK(test::slurp(p.key_prev()) == "old key");
    CHECK(test::slurp(p.cert_prev()) == "old cert");
    struct stat st {};
    REQUIRE(::stat(p.key_prev().c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600); // the old key stays private
    CHECK(io::next_step(io::look_at(p), p).step == pair_step::idle);
}

TEST_CASE("finish_swap resumes from the states a crash leaves")
{
    test::temp_dir dir;
    const auto p = paths_in(dir);
    SECTION("CERT removed: the key, then the certificate")
    {
        dir.write("dev.key", "old key");
        dir.write("dev.key.new", "new key");
        dir.write("dev.crt.new", "new cert");
        REQUIRE(io::next_step(io::look_at(p), p).step == pair_step::install_key);
        REQUIRE(io::finish_swap(p, pair_step::install_key).empty());
    }
    SECTION("KEY installed: the certificate")
    {
        dir.write("dev.key", "new key");
        dir.write("dev.crt.new", "new cert");
        REQUIRE(io::next_step(io::look_at(p), p).step == pair_step::install_cert);
        REQUIRE(io::finish_swap(p, pair_step::install_cert).empty());
    }
    CHECK(test::slurp(p.key) == "new key");
    CHECK(test::slurp(p.cert) == "new cert");
    CHECK(io::next_step(io::look_at(p), p).step == pair_step::idle);
}

TEST_CASE("finish_swap reports a failed step with the path and leaves a recognisable state")
{
    test::temp_dir dir;
    const auto p = paths_in(dir);
    dir.write("dev.key", "old key");
    dir.write("dev.crt", "old cert");
    dir.write("dev.crt.new", "new cert");
    SECTION("no KEY.new: keep_previous stops at its first step, giving KEY.new KEY's owner and mode")
    {
        const auto why = io::finish_swap(p, pair_step::keep_previous);
        CHECK(why.find(p.key_new()) != std::string::npos);
        // Nothing changed, and next_step names the odd state for the operator.
        const auto files = io::look_at(p);
        CHECK(files.key);
        CHECK(files.cert);
        CHECK_FALSE(files.key_new);
        CHECK(files.cert_new);
        CHECK(io::next_step(files, p).step == pair_step::broken);
        CHECK_FALSE(std::filesystem::exists(p.key_prev()));
        CHECK(test::slurp(p.cert) == "old cert");
    }
    SECTION("the old pair kept and CERT removed, then KEY.new cannot be renamed")
    {
        // What keep_previous leaves once it has removed CERT, KEY.new gone.
        REQUIRE(std::filesystem::copy_file(p.key, p.key_prev()));
        REQUIRE(std::filesystem::copy_file(p.cert, p.cert_prev()));
        REQUIRE(std::filesystem::remove(p.cert));
        const auto why = io::finish_swap(p, pair_step::install_key);
        CHECK(why.find("cannot rename " + p.key_new()) != std::string::npos);
        // What the next run finds: the old pair kept, CERT removed, the old key
        // untouched, and a state next_step names (install CERT.new, which renew
        // does only when it is for KEY: renew_operation's install checks the pair).
        const auto files = io::look_at(p);
        CHECK(files.key);
        CHECK_FALSE(files.cert);
        CHECK_FALSE(files.key_new);
        CHECK(files.cert_new);
        const auto next = io::next_step(files, p);
        CHECK(next.step == pair_step::install_cert);
        CHECK(next.why.empty());
        CHECK(test::slurp(p.key) == "old key");
        CHECK(test::slurp(p.key_prev()) == "old key");
        CHECK(test::slurp(p.cert_prev()) == "old cert");
    }
    CHECK(io::finish_swap(p, pair_step::request) == "nothing to install");
}

TEST_CASE("the swap gives the new pair the mode of the old; follow_symlinks finds the file a link names")
{
    test::temp_dir dir;
    const auto p = paths_in(dir);
    dir.write("dev.key", "old key");
    dir.write("dev.crt", "old cert");
    dir.write("dev.key.new", "new key");
    dir.write("dev.crt.new", "new cert");
    REQUIRE(::chmod(p.key.c_str(), 0640) == 0);
    REQUIRE(::chmod(p.cert.c_str(), 0444) == 0);
    REQUIRE(::chmod(p.key_new().c_str(), 0600) == 0);
    REQUIRE(io::finish_swap(p, pair_step::keep_previous).empty());
    struct stat st {};
    REQUIRE(::stat(p.key.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0640);
    REQUIRE(::stat(p.cert.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0444);
    REQUIRE(::stat(p.key_prev().c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0640);
    CHECK(test::slurp(p.key) == "new key");

    // A relative link to a relative link, an absolute link, a plain file, a loop.
    std::filesystem::create_directory(dir.file("real"));
    dir.write("real/k", "k");
    std::filesystem::create_symlink("k", dir.file("real/k1"));
    std::filesystem::create_symlink("real/k1", dir.file("k2"));
    std::filesystem::create_symlink(dir.file("real/k"), dir.file("k3"));
    std::filesystem::create_symlink("loop", dir.file("loop"));
    std::string why;
    CHECK(io::follow_symlinks(dir.file("k2").string(), why) == (dir.file("real") / "k").string());
    CHECK(io::follow_symlinks(dir.file("k3").string(), why) == dir.file("real/k").string());
    CHECK(io::follow_symlinks(p.key, why) == p.key);
    CHECK(why.empty());
    io::follow_symlinks(dir.file("loop").string(), why);
    CHECK(why.find("too many levels of symlinks") != std::string::npos);
}
