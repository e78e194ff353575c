#include "cli/exit_codes.hpp"

#include <boost/system/errc.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <string>

namespace ascep::cli {
namespace {

bool contains_ci(std::string_view haystack, std::string_view needle)
{
    auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
    });
    return it != haystack.end();
}

bool starts_with_any(std::string_view s, std::initializer_list<std::string_view> prefixes)
{
    return std::any_of(prefixes.begin(), prefixes.end(), [s](std::string_view p) { return s.starts_with(p); });
}

// errno values that mean the network, not a file, failed.
bool is_network_errno(int ev)
{
    switch (ev) {
    case ECONNREFUSED:
    case ECONNRESET:
    case ECONNABORTED:
    case ENETDOWN:
    case ENETUNREACH:
    case ENETRESET:
    case EHOSTUNREACH:
    case EHOSTDOWN:
    case ENOTCONN:
    case EPIPE:
    case EADDRNOTAVAIL:
    case EADDRINUSE:
    case EAFNOSUPPORT:
    case EPROTO:
    case ETIMEDOUT:
        return true;
    default:
        return false;
    }
}

} // namespace

const exit_code_entry& entry_of(outcome o) noexcept
{
    for (const auto& e : exit_code_table)
        if (e.what == o)
            return e;
    return exit_code_table[1]; // general_error; unreachable while the table is complete
}

outcome outcome_of_fail_info(std::optional<int> fail_info) noexcept
{
    if (!fail_info)
        return outcome::failure;
    switch (*fail_info) {
    case 0: return outcome::bad_alg;
    case 1: return outcome::bad_message_check;
    case 2: return outcome::bad_request;
    case 3: return outcome::bad_time;
    case 4: return outcome::bad_cert_id;
    default: return outcome::failure;
    }
}

outcome outcome_of_category(std::string_view category, bool is_timeout) noexcept
{
    if (category == "ascep.asn1" || category == "ascep.cms" || category == "ascep.scep")
        return outcome::pkcs7_error;
    if (is_timeout)
        return outcome::timeout;
    // Our transport, and the Asio/Beast/OpenSSL categories it may pass through.
    if (category == "ascep.transport" || category == "ascep.engine" || starts_with_any(category, {"asio.", "beast.", "boost.beast"}))
        return outcome::network_error;
    return outcome::general_error;
}

outcome outcome_of(const boost::system::error_code& ec)
{
    if (!ec)
        return outcome::success;
    const std::string_view name = ec.category().name();
    const bool system = name == "system" || name == "generic";
    const bool timeout = ec == boost::system::errc::timed_out || contains_ci(ec.message(), "timeout")
                         || contains_ci(ec.message(), "timed out");
    if (system) {
        if (timeout)
            return outcome::timeout;
        return is_network_errno(ec.value()) ? outcome::network_error : outcome::file_error;
    }
    return outcome_of_category(name, timeout);
}

} // namespace ascep::cli
