// Where SCEP requests go: the CA's URL, sscep's extra query parameters (-M)
// and the HTTP client that carries them.
#pragma once

#include "transport/http_client.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ascep::engine {

class request_limiter;

struct endpoint {
    /// Must outlive every operation started on this endpoint.
    transport::http_client* http = nullptr;
    /// The CA URL as the user gave it (-u), e.g. http://ca/cgi-bin/pkiclient.exe
    std::string url;
    /// -M name=value pairs, appended to every request's query.
    std::vector<std::pair<std::string, std::string>> extra_params;
    /// When set, every request waits for a permit from it (fleet mode's
    /// --concurrency and --rate). Must outlive every operation.
    request_limiter* limiter = nullptr;
};

/// `url?operation=OP[&message=MSG][&extra...]`, every value percent-escaped
/// (RFC 3986 unreserved characters pass; base64's + / = do not).
std::string operation_url(const endpoint& ep, std::string_view operation, std::string_view message = {});

/// Percent-escapes everything but RFC 3986 unreserved characters.
std::string percent_escape(std::string_view text);

} // namespace ascep::engine
