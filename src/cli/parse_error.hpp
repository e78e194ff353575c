// What goes wrong before any SCEP message is sent: a bad command line or a bad
// config file. These are the user's mistakes, so they are values with a
// one-line message, never exceptions.
#pragma once

#include <boost/system/result.hpp>

#include <cstddef>
#include <string>

namespace ascep::cli {

struct parse_error {
    enum class kind {
        /// The command line is wrong: unknown or misplaced option, missing
        /// required option, bad number or algorithm name. Exit 1.
        usage,
        /// The config file cannot be read, has a syntax error, or holds a bad
        /// value. Exit 93 (sscep's file error).
        config_file,
    };

    kind what = kind::usage;
    /// One line, without the program name and without a trailing newline.
    /// For config file errors it already starts with "FILE:LINE: ".
    std::string message;
    /// The config file's name and the 1-based line of the error (0 when the
    /// file as a whole is at fault); empty and 0 for usage errors.
    std::string file;
    std::size_t line = 0;

    /// The process exit code for this error (1 or 93, see exit_codes.hpp).
    int exit_code() const noexcept;
};

/// Thrown only by result<T>::value() on an error; code that checks the result
/// first (as all of ours does) never sees it.
[[noreturn]] void throw_exception_from_error(const parse_error& e, const boost::source_location& loc);

template <typename T>
using result = boost::system::result<T, parse_error>;

/// Helpers that build the two kinds of error.
parse_error usage_error(std::string message);
parse_error config_error(std::string file, std::size_t line, std::string message);

} // namespace ascep::cli
