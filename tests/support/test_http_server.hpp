// A loopback HTTP/1.1 server for transport tests, on the test's io_context.
// Behaviour is chosen by the request path, so one server covers every case:
//   /echo (and any unknown path)  200, body = request body; X-Echo-Method,
//                                 X-Echo-Target, X-Echo-Host headers; the
//                                 Content-Type is the request's X-Reply-Content-Type
//                                 or application/octet-stream
//   /stall                        reads the request, never answers
//   /slow                         Content-Length: 100, then one byte per slow_interval
//   /big, /big-chunked            a 10 MB body (Content-Length, or chunked)
//   /redirect                     302, Location: http://127.0.0.1:PORT/elsewhere
//   /status/NNN                   answers with status NNN
//   /close                        answers, then closes (Connection: close)
//   /truncate                     Content-Length: 100, sends 10 bytes, closes
//   /garbage                      answers with something that is not HTTP
// With proxy_credentials set it plays an HTTP proxy endpoint: it records the
// absolute-form request line and Proxy-Authorization, answers 407 when they do
// not match, and otherwise serves the path of the absolute URL itself.
#pragma once

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ascep::test {

struct recorded_request {
    std::string method;
    /// The request target as sent: "/scep?x=1", or "http://host:port/scep" via a proxy.
    std::string target;
    std::string host;
    std::string proxy_authorization;
    std::string content_type;
    std::vector<std::pair<std::string, std::string>> headers;
    std::vector<std::uint8_t> body;
    /// Which accepted connection (1-based) carried it.
    std::size_t connection = 0;
};

/// What a scripted handler answers.
struct scripted_response {
    unsigned status = 200;
    std::string content_type;
    std::vector<std::uint8_t> body;
    /// Further header fields, in order (e.g. Retry-After).
    std::vector<std::pair<std::string, std::string>> headers{};
};

struct http_server_options {
    /// Called for every request (on the server's io_context) before the
    /// built-in paths; a value is sent as the response, nullopt falls through.
    std::function<std::optional<scripted_response>(const recorded_request&)> handler;
    /// Listen on [::1] instead of 127.0.0.1.
    bool ipv6 = false;
    /// Answer every request with Connection: close and close afterwards.
    bool close_after_response = false;
    /// "user:pass": act as a proxy requiring these Basic credentials (407 otherwise).
    std::optional<std::string> proxy_credentials;
    /// Delay between the bytes of /slow.
    std::chrono::milliseconds slow_interval{1000};
};

class test_http_server {
public:
    /// Listens on an ephemeral loopback port at once; serves while `ioc` runs.
    /// Throws if it cannot listen (e.g. no ::1). `ioc` must outlive the server.
    explicit test_http_server(boost::asio::io_context& ioc, http_server_options opts = {});
    ~test_http_server();
    test_http_server(const test_http_server&) = delete;
    test_http_server& operator=(const test_http_server&) = delete;

    std::uint16_t port() const;
    /// "127.0.0.1:PORT" or "[::1]:PORT".
    std::string authority() const;
    /// "http://127.0.0.1:PORT" + path.
    std::string url(const std::string& path = "/echo") const;

    /// Connections accepted so far.
    std::size_t accepted() const;
    /// Connections currently open on the server side.
    std::size_t open_connections() const;
    /// Every request read so far, in order.
    const std::vector<recorded_request>& requests() const;

    /// Closes every open connection from the server side (FIN), idle ones included.
    void close_connections();
    /// Stops accepting (the port then refuses connections) / listens again on the same port.
    void stop_listening();
    void resume_listening();

private:
    struct state;
    std::shared_ptr<state> state_;
};

/// True when a socket can bind [::1] on this machine.
bool ipv6_loopback_available();

} // namespace ascep::test
