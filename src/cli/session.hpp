// What every network operation of the command line shares: the io_context
// that runs it, the HTTP client, the CA endpoint, the RNG and the output.
#pragma once

#include "cli/failure.hpp"
#include "cli/options.hpp"
#include "cli/reporter.hpp"
#include "cli/transient_retry.hpp"
#include "ascep/client.hpp"
#include "engine/endpoint.hpp"
#include "scep/ca_roles.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <botan/auto_rng.h>

#include <exception>
#include <optional>

namespace ascep::cli {

class session {
public:
    /// Errors: usage (a bad -u or -p), reported by valid().
    session(const options& opts, reporter& out);

    const options& opts;
    reporter& out;
    boost::asio::io_context ioc;
    /// The CA connection (library API); `ep` is its endpoint for the SCEP
    /// operations the library does not wrap.
    ascep::client client;
    engine::endpoint& ep;
    Botan::AutoSeeded_RNG rng;
    transport::diagnostics diag;
    /// --retry-for of this run (enroll, renew).
    transient_retry retry{*this};

    /// Runs `task` on the io_context until it completes. The transport's own
    /// deadlines bound every network wait.
    template <typename T>
    T run(boost::asio::awaitable<T> task)
    {
        std::optional<T> result;
        std::exception_ptr error;
        boost::asio::co_spawn(ioc, std::move(task), [&](std::exception_ptr e, T value) {
            error = e;
            if (!e)
                result = std::move(value);
        });
        ioc.restart();
        ioc.run();
        if (error)
            std::rethrow_exception(error);
        return std::move(*result);
    }

    /// The failure for an error from the engine, transport, scep or cms,
    /// with the transport's diagnostics rendered into one line.
    failure failure_of(const boost::system::error_code& ec, const std::string& what) const
    {
        return failure_of(ec, what, diag);
    }
    failure failure_of(const boost::system::error_code& ec, const std::string& what,
                       const transport::diagnostics& d) const;

    /// The CA certificates for -c (and its -0, -1, ... siblings), with the
    /// roles picked by key usage; -e overrides the encryption certificate.
    file_result<scep::ca_roles> load_ca_roles() const;
    /// The certificates of -c and its -0, -1, ... siblings, in that order.
    file_result<std::vector<Botan::X509_Certificate>> load_ca_chain() const;
};

/// The library's client settings for the command line's options.
ascep::client_options client_options_of(const options& opts);

/// A certificate's fingerprint as sscep prints it: "SHA256 fingerprint: AB:CD:..".
std::string fingerprint_line(const Botan::X509_Certificate& cert, asn1::digest_algorithm alg);

/// PEM of one certificate or a chain.
std::string to_pem(const std::vector<Botan::X509_Certificate>& certs);

} // namespace ascep::cli
