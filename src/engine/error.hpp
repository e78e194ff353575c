// ascep::engine errors: what goes wrong between a good HTTP exchange and a
// usable SCEP answer. Transport and protocol errors keep their own codes.
#pragma once

#include <boost/system/error_code.hpp>

namespace ascep::engine {

enum class errc {
    /// The server answered 2xx with a Content-Type that is not the SCEP one
    /// (diagnostics::detail holds what it sent).
    wrong_content_type = 1,
    /// The server answered 2xx with an empty body where SCEP needs one.
    empty_response,
    /// The operation was cancelled (Ctrl-C in fleet mode, shutdown).
    cancelled,
};

const boost::system::error_category& error_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept
{
    return {static_cast<int>(e), error_category()};
}

} // namespace ascep::engine

template <>
struct boost::system::is_error_code_enum<ascep::engine::errc> : std::true_type {};
