#include "cli/parse_error.hpp"

#include "cli/exit_codes.hpp"

#include <stdexcept>

namespace ascep::cli {

int parse_error::exit_code() const noexcept
{
    return cli::exit_code(what == kind::config_file ? outcome::file_error : outcome::general_error);
}

void throw_exception_from_error(const parse_error& e, const boost::source_location&)
{
    throw std::runtime_error(e.message);
}

parse_error usage_error(std::string message)
{
    return {parse_error::kind::usage, std::move(message), {}, 0};
}

parse_error config_error(std::string file, std::size_t line, std::string message)
{
    std::string text = file + (line != 0 ? ":" + std::to_string(line) : std::string()) + ": " + message;
    return {parse_error::kind::config_file, std::move(text), std::move(file), line};
}

} // namespace ascep::cli
