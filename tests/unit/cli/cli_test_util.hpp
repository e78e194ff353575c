// Helpers for the cli tests: argv from a list, and Catch2 printing of results.
#pragma once

#include "cli/options.hpp"

#include <catch2/catch.hpp>

#include <initializer_list>
#include <string>
#include <vector>

namespace Catch {

template <typename T>
struct StringMaker<ascep::cli::result<T>> {
    static std::string convert(const ascep::cli::result<T>& r)
    {
        return r ? std::string("(value)") : "error: " + r.error().message;
    }
};

} // namespace Catch

namespace ascep::cli::test {

/// argv with "ascep" as argv[0].
inline std::vector<const char*> argv_of(std::initializer_list<const char*> args)
{
    std::vector<const char*> v{"ascep"};
    v.insert(v.end(), args.begin(), args.end());
    return v;
}

inline result<options> args(std::initializer_list<const char*> a)
{
    return parse_arguments(argv_of(a));
}

/// parse_arguments + finalize, no config file.
inline result<options> full(std::initializer_list<const char*> a)
{
    auto o = parse_arguments(argv_of(a));
    if (!o)
        return o.error();
    if (auto r = finalize(*o); !r)
        return r.error();
    return o;
}

inline std::string error_of(const result<options>& r)
{
    return r ? std::string("(no error)") : r.error().message;
}

} // namespace ascep::cli::test
