// ascep::asn1 errors: what can go wrong when reading ASN.1 from outside.
#pragma once

#include <boost/system/error_code.hpp>

namespace ascep::asn1 {

enum class errc {
    /// The bytes are not valid BER/DER, or not the structure expected here.
    malformed = 1,
    /// The input is longer than the decoding limit allows.
    too_large,
    /// Constructed values are nested deeper than the decoding limit allows.
    too_deep,
    /// An algorithm identifier names an algorithm we do not implement.
    unsupported_algorithm,
};

const boost::system::error_category& error_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept
{
    return {static_cast<int>(e), error_category()};
}

} // namespace ascep::asn1

template <>
struct boost::system::is_error_code_enum<ascep::asn1::errc> : std::true_type {};
