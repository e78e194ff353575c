// The test CA's HTTP/1.1 server on Beast: one io_context, one coroutine per
// connection, keep-alive, bounded requests, plain or TLS (Asio ssl). It
// routes each request to a CA (a profile, by the first segment of the path,
// or the single CA for any path), applies the transport faults that CA's
// plan draws, and writes the event log. All SCEP handling is in service;
// this file moves bytes, late, broken or not at all when told to.
#pragma once

#include "testca/event_log.hpp"
#include "testca/service.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace boost::asio::ssl {
class context;
} // namespace boost::asio::ssl

namespace ascep::testca {

struct server_limits {
    /// Largest request body; larger ones get 413 and the connection is closed.
    std::size_t max_body = 1024 * 1024;
    std::size_t max_header = 16 * 1024;
    /// A connection idle (or trickling a request) this long is closed.
    /// Well above the intervals clients sleep between polls on one
    /// kept-alive connection (the Debian scepclient: 30 s): closing it just
    /// as a client sends its next poll on it fails that poll, as Go (like
    /// most clients) does not send a POST again on a reused connection.
    std::chrono::seconds idle{120};
};

/// One CA the server answers for: `name` is the profile (served at /NAME),
/// empty for a single CA (served at every path).
struct route {
    std::string name;
    service* svc = nullptr;
};

/// Group commit (server.cpp): the requests answered while the disk syncs
/// wait for the next sync together, so that a state directory written by
/// many clients at once costs one syncfs per batch instead of two fsyncs
/// per file, and the loop never waits for the disk.
class commit_queue;

/// A commit queue for `stores` (each set to defer_durability()), syncing on
/// a thread of its own. Must be destroyed before the io_context of `ex`.
std::shared_ptr<commit_queue> make_commit_queue(boost::asio::any_io_executor ex, std::vector<state_store*> stores);

/// Makes every write so far durable (the last sync, at the end of a run).
void sync_all(commit_queue& q);

struct server_context {
    std::vector<route> routes;
    /// One line per request; one line per problem outside a request.
    std::ostream* log = nullptr;
    /// STATE/events.jsonl; null: none.
    event_log* events = nullptr;
    /// Set: HTTPS with this context (server certificate and key loaded).
    boost::asio::ssl::context* tls = nullptr;
    /// Set: a reply that follows a change of state waits for its sync.
    std::shared_ptr<commit_queue> commits;
    server_limits limits;
};

/// Accepts connections on `acceptor` until it is closed, serving each as
/// `ctx` says. `acceptor` and everything `ctx` points to must outlive the
/// returned awaitable and every connection it spawns (connections end when
/// the io_context stops).
boost::asio::awaitable<void> async_serve(boost::asio::ip::tcp::acceptor& acceptor, server_context& ctx);

/// The route for a request target: the profile named by the first path
/// segment, or the single CA; null when no profile has that name.
const route* find_route(const std::vector<route>& routes, std::string_view target);

} // namespace ascep::testca
