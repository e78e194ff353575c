#include "io/durable_file.hpp"

#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cerrno>
#include <fstream>
#include <future>
#include <system_error>

using namespace ascep;

TEST_CASE("make_directory_durable creates a private directory once and accepts it after")
{
    test::temp_dir dir;
    const auto path = dir.file("device").string();
    REQUIRE(io::make_directory_durable(path).empty());
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK(S_ISDIR(st.st_mode));
    CHECK((st.st_mode & 0777) == 0700);
    CHECK(io::make_directory_durable(path).empty()); // exists: fine, as on a re-run
}

TEST_CASE("make_directory_durable refuses a file in the way and a missing parent, naming the path")
{
    test::temp_dir dir;
    const auto file = dir.file("taken").string();
    std::ofstream(file) << "x";
    const auto taken = io::make_directory_durable(file);
    CHECK(taken.find("cannot create " + file) != std::string::npos);
    CHECK(taken.find("Not a directory") != std::string::npos);

    const auto orphan = dir.file("missing/device").string();
    const auto missing = io::make_directory_durable(orphan);
    CHECK(missing.find("cannot create " + orphan) != std::string::npos);
    CHECK(missing.find("No such file") != std::string::npos);
}

TEST_CASE("write errors carry their errno; only a full, failing or read-only disk is a local fault")
{
    test::temp_dir dir;
    std::error_code code;
    CHECK_FALSE(io::write_file_atomic(dir.file("missing/key.pem").string(), "x", 0600, io::directory_sync::now,
                                      &code)
                    .empty());
    CHECK(code == std::errc::no_such_file_or_directory);
    CHECK_FALSE(io::is_local_fault(code)); // a wrong path is not the disk's fault

    CHECK(io::write_file_atomic(dir.file("key.pem").string(), "x", 0600, io::directory_sync::now, &code).empty());
    CHECK_FALSE(code); // cleared on success

    const auto file = dir.file("taken").string();
    std::ofstream(file) << "x";
    CHECK_FALSE(io::make_directory_durable(file, 0700, &code).empty());
    CHECK(code == std::errc::not_a_directory);

    for (const int e : {ENOSPC, EDQUOT, EIO, EACCES, EPERM, EROFS})
        CHECK(io::is_local_fault(std::error_code(e, std::generic_category())));
    for (const int e : {ENOENT, ENOTDIR, EEXIST, EINVAL, ECONNREFUSED})
        CHECK_FALSE(io::is_local_fault(std::error_code(e, std::generic_category())));
    CHECK_FALSE(io::is_local_fault(std::make_error_code(std::future_errc::broken_promise)));
}
