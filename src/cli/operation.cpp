// The operations' names and summaries, and which of them talk to a CA.
#include "cli/option_table.hpp"

namespace ascep::cli {
namespace {

constexpr detail::operation_name all_operations[] = {
    {operation::getcaps, "getcaps", "print the CA's capabilities"},
    {operation::getca, "getca", "get the CA (and RA) certificates"},
    {operation::getnextca, "getnextca", "get the CA's rollover certificates"},
    {operation::enroll, "enroll", "enroll: send a certificate request, poll while PENDING"},
    {operation::getcert, "getcert", "get a certificate by serial number"},
    {operation::getcrl, "getcrl", "get the CRL for our certificate"},
    {operation::mkrequest, "mkrequest", "make a key and a certificate request"},
    {operation::inspect, "inspect", "decode a SCEP message, CA response or PKCS#7 file"},
    {operation::fleet, "fleet", "enroll (or, with --renew-within, renew) every device of a manifest, concurrently and resumably"},
    {operation::renew, "renew", "renew -l with a new key when it expires within --within; swap the pair safely"},
    {operation::fleet_status, "fleet status",
     "where a fleet stands (--out DIR): counts, expiry histogram, due, pending and failed devices; contacts nothing"},
};

} // namespace

namespace detail {

std::span<const operation_name> operation_names() noexcept
{
    return all_operations;
}

} // namespace detail

std::string_view name_of(operation op) noexcept
{
    for (const auto& n : all_operations)
        if (n.op == op)
            return n.name;
    return "?";
}

std::optional<operation> parse_operation(std::string_view name) noexcept
{
    for (const auto& n : all_operations)
        if (n.name == name)
            return n.op;
    return std::nullopt;
}

bool is_network(operation op) noexcept
{
    return (detail::network_ops & detail::bit(op)) != 0;
}

} // namespace ascep::cli
