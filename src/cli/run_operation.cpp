#include "cli/operations.hpp"
#include "cli/session.hpp"
#include "cli/local_operations.hpp"

#include <cstdio>

namespace ascep::cli {
namespace {

/// -u and -p are checked before anything runs: a typo is a usage error (1),
/// not a network error.
std::optional<failure> check_network_options(const options& opts)
{
    if (!transport::parse_url(opts.url))
        return failure{outcome::general_error, "bad URL (-u): " + transport::explain_url_error(opts.url)};
    if (!opts.proxy.empty() && !transport::parse_proxy(opts.proxy))
        return failure{outcome::general_error, "bad proxy (-p): " + transport::explain_proxy_error(opts.proxy)};
    return std::nullopt;
}

} // namespace

int run_operation(const options& opts)
{
    reporter out(std::string(name_of(opts.op)), opts.verbose, opts.json);
    switch (opts.op) {
    case operation::mkrequest:
        return run_mkrequest(opts, out);
    case operation::inspect:
        return run_inspect(opts, out);
    case operation::fleet_status:
        return run_fleet_status(opts, out);
    default:
        break;
    }
    // enroll -m without -u writes the request offline.
    const bool offline = opts.op == operation::enroll && !opts.request_out.empty() && opts.url.empty();
    if (!offline) {
        if (auto bad = check_network_options(opts))
            return out.finish(*bad);
    }
    if (opts.op == operation::fleet)
        return run_fleet(opts, out);
    session s(opts, out);
    switch (opts.op) {
    case operation::getcaps: return run_getcaps(s);
    case operation::getca: return run_getca(s);
    case operation::getnextca: return run_getnextca(s);
    case operation::enroll: return run_enroll(s);
    case operation::getcert: return run_getcert(s);
    case operation::getcrl: return run_getcrl(s);
    case operation::renew: return run_renew(s);
    default: return out.finish(failure{outcome::general_error, "unknown operation"});
    }
}

} // namespace ascep::cli
