// journal::open for the journal tests: the journal, or a failed test
// that shows why it did not open.
#pragma once

#include "fleet/journal.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace ascep::test {

inline fleet::journal open_ok(const std::string& dir)
{
    std::string error;
    auto j = fleet::journal::open(dir, error);
    INFO(error);
    REQUIRE(j);
    return std::move(*j);
}

} // namespace ascep::test
