// How an operation of the command line ends when it does not succeed: the
// exit code (from exit_codes.hpp) and one line for the user.
#pragma once

#include "cli/exit_codes.hpp"

#include <boost/system/result.hpp>

#include <string>

namespace ascep::cli {

struct failure {
    cli::outcome outcome = cli::outcome::general_error;
    std::string message;

    int exit_code() const { return cli::exit_code(outcome); }
};

template <typename T>
using file_result = boost::system::result<T, failure>;

inline failure file_failure(std::string message)
{
    return {outcome::file_error, std::move(message)};
}

} // namespace ascep::cli
