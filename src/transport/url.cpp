#include "transport/url.hpp"

#include "transport/error.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace ascep::transport {
namespace {

template <typename T>
struct parsed {
    std::optional<T> value;
    errc code = errc::bad_url;
    std::string why;
};

template <typename T>
parsed<T> fail(std::string why, errc code = errc::bad_url)
{
    parsed<T> p;
    p.code = code;
    p.why = std::move(why);
    return p;
}

bool iequals(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

bool is_ipv6(const std::string& host)
{
    in6_addr a{};
    return ::inet_pton(AF_INET6, host.c_str(), &a) == 1;
}

// A registered name or IPv4 address: letters, digits, '-', '.', '_'.
bool is_reg_name(std::string_view host)
{
    return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
    });
}

// Visible ASCII only: no space, no control characters, nothing above 0x7e.
bool is_visible(std::string_view s)
{
    return std::all_of(s.begin(), s.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u > 0x20 && u < 0x7f;
    });
}

std::optional<std::uint16_t> parse_port(std::string_view s)
{
    if (s.empty() || s.size() > 5 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    unsigned v = 0;
    for (char c : s)
        v = v * 10 + static_cast<unsigned>(c - '0');
    if (v == 0 || v > 65535)
        return std::nullopt;
    return static_cast<std::uint16_t>(v);
}

struct host_port {
    std::string host;
    std::optional<std::uint16_t> port; // nullopt: not given (or empty after ':')
};

// "host", "host:port", "[v6]", "[v6]:port".
parsed<host_port> parse_host_port(std::string_view s)
{
    host_port hp;
    std::string_view port_text;
    bool has_colon = false;
    if (!s.empty() && s.front() == '[') {
        const auto close = s.find(']');
        if (close == std::string_view::npos)
            return fail<host_port>("unterminated '[' in IPv6 address");
        hp.host = std::string(s.substr(1, close - 1));
        if (!is_ipv6(hp.host))
            return fail<host_port>("'" + hp.host + "' is not an IPv6 address");
        const auto rest = s.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':')
                return fail<host_port>("unexpected text after ']'");
            has_colon = true;
            port_text = rest.substr(1);
        }
    } else {
        const auto colon = s.find(':');
        if (colon != std::string_view::npos && s.find(':', colon + 1) != std::string_view::npos)
            return fail<host_port>("IPv6 addresses must be in brackets, e.g. [::1]:8080");
        hp.host = std::string(s.substr(0, colon));
        if (hp.host.empty())
            return fail<host_port>("empty host");
        if (!is_reg_name(hp.host))
            return fail<host_port>("invalid character in host '" + hp.host + "'");
        if (colon != std::string_view::npos) {
            has_colon = true;
            port_text = s.substr(colon + 1);
        }
    }
    if (has_colon && !port_text.empty()) {
        hp.port = parse_port(port_text);
        if (!hp.port)
            return fail<host_port>("invalid port '" + std::string(port_text) + "' (1-65535)");
    }
    parsed<host_port> p;
    p.value = std::move(hp);
    return p;
}

// Splits "scheme://rest"; nullopt when there is no "://".
std::optional<std::pair<std::string_view, std::string_view>> split_scheme(std::string_view text)
{
    const auto sep = text.find("://");
    if (sep == std::string_view::npos || sep == 0)
        return std::nullopt;
    const auto name = text.substr(0, sep);
    if (!std::all_of(name.begin(), name.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
        }))
        return std::nullopt;
    return std::pair{name, text.substr(sep + 3)};
}

parsed<url> do_parse_url(std::string_view text)
{
    if (text.empty())
        return fail<url>("empty URL");
    const auto split = split_scheme(text);
    if (!split)
        return fail<url>("expected http://host[:port]/path");
    url u;
    if (iequals(split->first, "http"))
        u.scheme = scheme::http;
    else if (iequals(split->first, "https"))
        u.scheme = scheme::https;
    else
        return fail<url>("scheme '" + std::string(split->first) + "' is not supported (use http:// or https://)",
                         errc::unsupported_scheme);

    auto rest = split->second;
    if (const auto hash = rest.find('#'); hash != std::string_view::npos)
        rest = rest.substr(0, hash);
    if (!is_visible(rest))
        return fail<url>("spaces or control characters in URL");
    const auto path_start = rest.find_first_of("/?");
    const auto authority = rest.substr(0, path_start);
    if (authority.find('@') != std::string_view::npos)
        return fail<url>("user info in the URL is not supported");
    if (authority.empty())
        return fail<url>("empty host");
    auto hp = parse_host_port(authority);
    if (!hp.value)
        return fail<url>(std::move(hp.why));
    u.host = std::move(hp.value->host);
    u.port = hp.value->port.value_or(default_port(u.scheme));
    u.target = path_start == std::string_view::npos ? std::string("/") : std::string(rest.substr(path_start));
    if (u.target.front() == '?')
        u.target.insert(u.target.begin(), '/');
    parsed<url> p;
    p.value = std::move(u);
    return p;
}

// Decodes %XX; nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view s)
{
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out += s[i];
            continue;
        }
        if (i + 2 >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
            !std::isxdigit(static_cast<unsigned char>(s[i + 2])))
            return std::nullopt;
        out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
        i += 2;
    }
    return out;
}

parsed<proxy_spec> do_parse_proxy(std::string_view text)
{
    if (text.empty())
        return fail<proxy_spec>("empty proxy");
    if (!is_visible(text))
        return fail<proxy_spec>("spaces or control characters in proxy");
    bool url_form = false;
    if (const auto split = split_scheme(text)) {
        if (!iequals(split->first, "http"))
            return fail<proxy_spec>("proxy scheme '" + std::string(split->first) + "' is not supported (use http://)",
                                    errc::unsupported_scheme);
        url_form = true;
        text = split->second;
        if (!text.empty() && text.back() == '/')
            text.remove_suffix(1);
        if (text.find_first_of("/?#") != std::string_view::npos)
            return fail<proxy_spec>("a proxy URL takes no path");
    }

    proxy_spec p;
    if (const auto at = text.rfind('@'); at != std::string_view::npos) {
        const auto userinfo = text.substr(0, at);
        text = text.substr(at + 1);
        const auto colon = userinfo.find(':');
        std::string_view user = userinfo.substr(0, colon);
        std::string_view pass = colon == std::string_view::npos ? std::string_view() : userinfo.substr(colon + 1);
        if (user.empty())
            return fail<proxy_spec>("empty proxy user name before '@'");
        if (url_form) {
            auto u = percent_decode(user);
            auto pw = percent_decode(pass);
            if (!u || !pw)
                return fail<proxy_spec>("bad %-escape in proxy credentials");
            p.username = std::move(*u);
            p.password = std::move(*pw);
        } else {
            p.username = std::string(user);
            p.password = std::string(pass);
        }
    }
    auto hp = parse_host_port(text);
    if (!hp.value)
        return fail<proxy_spec>(std::move(hp.why));
    p.host = std::move(hp.value->host);
    if (hp.value->port)
        p.port = *hp.value->port;
    else if (url_form)
        p.port = 80;
    else
        return fail<proxy_spec>("proxy must be host:port");
    parsed<proxy_spec> out;
    out.value = std::move(p);
    return out;
}

std::string bracketed(const std::string& host)
{
    return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

} // namespace

std::uint16_t default_port(scheme s) noexcept
{
    return s == scheme::https ? 443 : 80;
}

bool url::is_ipv6_literal() const noexcept
{
    return host.find(':') != std::string::npos;
}

std::string url::host_header() const
{
    return has_default_port() ? bracketed(host) : authority();
}

std::string url::authority() const
{
    return bracketed(host) + ":" + std::to_string(port);
}

std::string url::to_string() const
{
    return (scheme == scheme::https ? "https://" : "http://") + host_header() + target;
}

std::string proxy_spec::authority() const
{
    return bracketed(host) + ":" + std::to_string(port);
}

boost::system::result<url> parse_url(std::string_view text)
{
    auto p = do_parse_url(text);
    if (!p.value)
        return make_error_code(p.code);
    return std::move(*p.value);
}

std::string explain_url_error(std::string_view text)
{
    return do_parse_url(text).why;
}

boost::system::result<proxy_spec> parse_proxy(std::string_view text)
{
    auto p = do_parse_proxy(text);
    if (!p.value)
        return make_error_code(p.code);
    return std::move(*p.value);
}

std::string explain_proxy_error(std::string_view text)
{
    return do_parse_proxy(text).why;
}

} // namespace ascep::transport
