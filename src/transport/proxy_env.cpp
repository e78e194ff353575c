#include "transport/proxy_env.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstring>

namespace ascep::transport {
namespace {

bool iequals(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

// An address as bytes: 4 for IPv4, 16 for IPv6; empty when `text` is neither.
struct ip_bytes {
    std::array<std::uint8_t, 16> b{};
    std::size_t len = 0;
};

ip_bytes parse_ip(std::string_view text)
{
    ip_bytes out;
    if (text.size() >= 2 && text.front() == '[' && text.back() == ']')
        text = text.substr(1, text.size() - 2);
    if (text.empty() || text.size() > 63)
        return out;
    const std::string s(text);
    if (::inet_pton(AF_INET, s.c_str(), out.b.data()) == 1)
        out.len = 4;
    else if (::inet_pton(AF_INET6, s.c_str(), out.b.data()) == 1)
        out.len = 16;
    return out;
}

bool prefix_equal(const ip_bytes& a, const ip_bytes& b, unsigned bits)
{
    if (a.len != b.len || bits > a.len * 8)
        return false;
    const auto whole = bits / 8;
    if (std::memcmp(a.b.data(), b.b.data(), whole) != 0)
        return false;
    const auto rest = bits % 8;
    if (rest == 0)
        return true;
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
    return (a.b[whole] & mask) == (b.b[whole] & mask);
}

// One NO_PROXY entry against the host (already without brackets or trailing dot).
bool entry_matches(std::string_view entry, std::string_view host, const ip_bytes& host_ip)
{
    if (host_ip.len != 0) {
        // CIDR block or a single address (optionally bracketed).
        unsigned bits = static_cast<unsigned>(host_ip.len * 8);
        if (const auto slash = entry.find('/'); slash != std::string_view::npos) {
            const auto len_text = entry.substr(slash + 1);
            if (len_text.empty() || len_text.size() > 3 ||
                !std::all_of(len_text.begin(), len_text.end(), [](char c) { return c >= '0' && c <= '9'; }))
                return false;
            bits = 0;
            for (char c : len_text)
                bits = bits * 10 + static_cast<unsigned>(c - '0');
            entry = entry.substr(0, slash);
        } else if (entry.size() > 2 && entry.front() == '[') {
            // "[::1]:8080": the port is not compared.
            if (const auto close = entry.find(']'); close != std::string_view::npos)
                entry = entry.substr(0, close + 1);
        } else if (std::count(entry.begin(), entry.end(), ':') == 1) {
            entry = entry.substr(0, entry.find(':')); // "10.1.2.3:8080"
        }
        const auto want = parse_ip(entry);
        return want.len != 0 && prefix_equal(host_ip, want, bits);
    }
    if (const auto colon = entry.find(':'); colon != std::string_view::npos)
        entry = entry.substr(0, colon);
    while (!entry.empty() && entry.front() == '.')
        entry.remove_prefix(1);
    if (!entry.empty() && entry.back() == '.')
        entry.remove_suffix(1);
    if (entry.empty())
        return false;
    if (entry.size() == host.size())
        return iequals(entry, host);
    // A subdomain: the entry is a suffix starting right after a dot.
    return entry.size() < host.size() && host[host.size() - entry.size() - 1] == '.' &&
           iequals(entry, host.substr(host.size() - entry.size()));
}

// The first of `names` that is set and not empty, with its name.
std::optional<std::pair<std::string, std::string>> first_set(const env_lookup& getenv,
                                                             std::initializer_list<const char*> names)
{
    for (const char* name : names) {
        const char* value = getenv(name);
        if (value != nullptr && *value != '\0')
            return std::pair{std::string(name), std::string(value)};
    }
    return std::nullopt;
}

} // namespace

proxy_environment read_proxy_environment(const env_lookup& getenv)
{
    proxy_environment env;
    auto take = [&](std::optional<proxy_spec>& spec, std::string& source, std::initializer_list<const char*> names) {
        const auto found = first_set(getenv, names);
        if (!found)
            return;
        auto parsed = parse_proxy(found->second);
        if (!parsed) {
            env.problems.push_back(found->first + " '" + found->second + "': " + explain_proxy_error(found->second));
            return;
        }
        spec = std::move(*parsed);
        source = found->first;
    };
    const char* cgi = getenv("REQUEST_METHOD");
    if (cgi != nullptr && *cgi != '\0')
        take(env.http, env.http_source, {"http_proxy"});
    else
        take(env.http, env.http_source, {"http_proxy", "HTTP_PROXY"});
    take(env.https, env.https_source, {"https_proxy", "HTTPS_PROXY"});
    if (const auto found = first_set(getenv, {"no_proxy", "NO_PROXY"})) {
        env.no_proxy_source = found->first;
        env.no_proxy = found->second;
    }
    return env;
}

bool no_proxy_matches(std::string_view list, std::string_view host)
{
    auto trim = [](std::string_view s) {
        while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
            s.remove_prefix(1);
        while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
            s.remove_suffix(1);
        return s;
    };
    list = trim(list);
    if (list.empty() || host.empty())
        return false;
    if (list == "*")
        return true;
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    if (!host.empty() && host.back() == '.')
        host.remove_suffix(1);
    const auto host_ip = parse_ip(host);
    std::size_t pos = 0;
    while (pos < list.size()) {
        const auto end = list.find_first_of(", \t", pos);
        const auto entry = list.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
        if (!entry.empty() && entry_matches(entry, host, host_ip))
            return true;
        if (end == std::string_view::npos)
            break;
        pos = end + 1;
    }
    return false;
}

const proxy_spec* select_proxy(const url& target, const std::optional<proxy_spec>& explicit_proxy,
                               const std::optional<proxy_spec>& http_proxy,
                               const std::optional<proxy_spec>& https_proxy, std::string_view no_proxy)
{
    const auto& chosen = explicit_proxy ? explicit_proxy : (target.scheme == scheme::https ? https_proxy : http_proxy);
    if (!chosen || no_proxy_matches(no_proxy, target.host))
        return nullptr;
    return &*chosen;
}

} // namespace ascep::transport
