#include "io/durable_file.hpp"

#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>

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
