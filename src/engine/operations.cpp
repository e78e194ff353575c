#include "engine/operations.hpp"

#include "engine/error.hpp"
#include "engine/request_limiter.hpp"
#include "scep/ca_certs.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <botan/base64.h>

#include <algorithm>
#include <cctype>

namespace ascep::engine {
namespace {

namespace asio = boost::asio;
using bytes = std::vector<std::uint8_t>;

constexpr std::string_view pki_message_type = "application/x-pki-message";

/// The media type without parameters, lower-cased.
std::string media_type(std::string_view content_type)
{
    const auto semi = content_type.find(';');
    std::string out(content_type.substr(0, semi));
    while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back())))
        out.pop_back();
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

/// A 503 whose Retry-After asks for at most this is asked again after that
/// wait, up to max_503_retries times, as long as the wait ends within the
/// request's operation deadline (timeouts.operation, 120 s by default, plus
/// any -W window) counted from the first send; a longer one, or the last
/// 503, is the caller's (enroll exits 95; the fleet backs off and retries
/// for --retry-for).
constexpr std::chrono::seconds max_retry_after{60};
constexpr unsigned max_503_retries = 3;

/// Every request goes through here: it holds a limiter permit, when the
/// endpoint has a limiter, for exactly as long as an exchange runs (not
/// while it waits out a Retry-After). A 503 with Retry-After is honoured:
/// the same request again after the wait the server asked for (RFC 9110
/// §10.2.3); the CA has not processed it, and a PKIOperation sent again is
/// the same transaction anyway.
asio::awaitable<boost::system::result<transport::response>> async_send(const endpoint& ep, transport::request req,
                                                                       transport::diagnostics& diag)
{
    const auto& opts = ep.http->options();
    const auto deadline = std::chrono::steady_clock::now() + opts.timeouts.operation + opts.connect_retry;
    for (unsigned retried = 0;; ++retried) {
        boost::system::result<transport::response> resp = transport::errc::bad_request;
        {
            request_limiter::permit held;
            if (ep.limiter != nullptr) {
                auto p = co_await ep.limiter->async_acquire();
                if (!p)
                    co_return p.error();
                held = std::move(*p);
            }
            transport::request this_time = req;
            resp = co_await ep.http->async_request(std::move(this_time), diag);
        }
        diag.retried_after_503 = retried;
        if (resp || resp.error() != transport::errc::http_status || diag.http_status != 503 || !diag.retry_after ||
            *diag.retry_after > max_retry_after || retried >= max_503_retries ||
            std::chrono::steady_clock::now() + *diag.retry_after > deadline)
            co_return resp;
        asio::steady_timer wait(co_await asio::this_coro::executor, *diag.retry_after);
        auto [ec] = co_await wait.async_wait(asio::as_tuple(asio::use_awaitable));
        if (ec)
            co_return resp; // cancelled: the 503 stands
    }
}

asio::awaitable<boost::system::result<transport::response>> async_get(const endpoint& ep, std::string url,
                                                                      transport::diagnostics& diag)
{
    transport::request req;
    req.method = transport::http_method::get;
    req.url = std::move(url);
    auto resp = co_await async_send(ep, std::move(req), diag);
    co_return resp;
}

} // namespace

asio::awaitable<boost::system::result<scep::ca_caps>> async_get_caps(const endpoint& ep,
                                                                     transport::diagnostics& diag)
{
    auto resp = co_await async_get(ep, operation_url(ep, "GetCACaps"), diag);
    if (!resp) {
        // 4xx: a CA without GetCACaps. 5xx: a CA failing right now, whose
        // caps we do not know; taking "none" would downgrade every request.
        if (resp.error() == transport::errc::http_status && diag.http_status < 500)
            co_return scep::ca_caps{};
        co_return resp.error();
    }
    const std::string_view text(reinterpret_cast<const char*>(resp->body.data()), resp->body.size());
    co_return scep::parse_caps(text);
}

asio::awaitable<boost::system::result<ca_cert_response>> async_get_ca(const endpoint& ep, std::string ident,
                                                                      transport::diagnostics& diag)
{
    auto resp = co_await async_get(ep, operation_url(ep, "GetCACert", ident), diag);
    if (!resp)
        co_return resp.error();
    if (resp->body.empty())
        co_return errc::empty_response;
    auto certs = scep::parse_ca_certs(resp->body);
    if (!certs)
        co_return certs.error();
    co_return ca_cert_response{std::move(*certs), resp->content_type};
}

asio::awaitable<boost::system::result<bytes>> async_get_next_ca(const endpoint& ep, std::string ident,
                                                                transport::diagnostics& diag)
{
    auto resp = co_await async_get(ep, operation_url(ep, "GetNextCACert", ident), diag);
    if (!resp)
        co_return resp.error();
    if (resp->body.empty())
        co_return errc::empty_response;
    co_return std::move(resp->body);
}

asio::awaitable<boost::system::result<bytes>> async_pki_operation(const endpoint& ep, bool use_post, bytes message,
                                                                  transport::diagnostics& diag)
{
    transport::request req;
    if (use_post) {
        req.method = transport::http_method::post;
        req.url = operation_url(ep, "PKIOperation");
        req.content_type = std::string(pki_message_type);
        req.body = std::move(message);
    } else {
        // Standard base64 (not base64url), percent-escaped by operation_url.
        req.url = operation_url(ep, "PKIOperation", Botan::base64_encode(message.data(), message.size()));
    }
    auto resp = co_await async_send(ep, std::move(req), diag);
    if (!resp)
        co_return resp.error();
    if (media_type(resp->content_type) != pki_message_type) {
        diag.detail = "Content-Type '" + resp->content_type + "', expected " + std::string(pki_message_type);
        co_return errc::wrong_content_type;
    }
    if (resp->body.empty())
        co_return errc::empty_response;
    co_return std::move(resp->body);
}

} // namespace ascep::engine
