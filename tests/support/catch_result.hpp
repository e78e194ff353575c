// Lets Catch2 print a boost::system::result in a failed assertion: the error
// message, or "(value)". Include after catch.hpp.
#pragma once

#include <boost/system/result.hpp>
#include <catch2/catch.hpp>

#include <string>

namespace Catch {

template <typename T>
struct StringMaker<boost::system::result<T>> {
    static std::string convert(const boost::system::result<T>& r)
    {
        return r ? std::string("(value)") : "error: " + r.error().message();
    }
};

} // namespace Catch
