#include "testca/serve.hpp"

#include "testca/event_log.hpp"
#include "testca/files.hpp"
#include "testca/server.hpp"
#include "testca/tls_identity.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <botan/auto_rng.h>

#include <charconv>
#include <iostream>
#include <memory>
#include <random>

namespace ascep::testca {
namespace {

namespace asio = boost::asio;

/// "127.0.0.1:8080", "[::1]:0", "localhost:8080".
asio::ip::tcp::endpoint parse_listen(const std::string& text)
{
    const auto colon = text.rfind(':');
    if (colon == std::string::npos)
        throw usage_error("--listen wants HOST:PORT");
    auto host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    if (host == "localhost")
        host = "127.0.0.1";
    const auto port_text = text.substr(colon + 1);
    unsigned port = 0;
    const auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || ec != std::errc{} || p != port_text.data() + port_text.size() || port > 65535)
        throw usage_error("--listen port must be a number from 0 to 65535");
    boost::system::error_code aec;
    const auto addr = asio::ip::make_address(host, aec);
    if (aec)
        throw usage_error("--listen: '" + host + "' is not an IP address");
    return {addr, static_cast<unsigned short>(port)};
}

/// One CA of this process: its state, its material, its service.
struct running_ca {
    std::string name; // empty: the single CA
    std::unique_ptr<state_store> store;
    std::unique_ptr<service> svc;
};

void start_ca(running_ca& out, const std::filesystem::path& dir, const ca_flags& flags, std::uint64_t seed,
              Botan::RandomNumberGenerator& rng)
{
    const std::string who = out.name.empty() ? "" : "profile " + out.name + ": ";
    out.store = std::make_unique<state_store>(dir);
    // Key generation happens here, once, before the loop starts.
    auto ca = load_or_create_ca(*out.store, flags.setup, clock::now(), rng);
    if (ca.root && !flags.setup.intermediate)
        std::cerr << "ascep-testca: " << who << dir.string()
                  << " holds a root (made with --intermediate): issuing from the CA under it\n";
    if (flags.chain_order_given && !ca.serves_chain())
        std::cerr << "ascep-testca: " << who
                  << "--chain-order has no effect: GetCACert serves the CA certificate alone "
                     "(add --intermediate or --ra)\n";
    auto opts = flags.service;
    opts.faults = flags.faults;
    opts.fault_seed = seed;
    for (const auto& f : opts.faults)
        if (f.kind == fault_kind::no_ra && !ca.ra_sign)
            std::cerr << "ascep-testca: " << who << "--faults no-ra has no effect without --ra\n";
    out.svc = std::make_unique<service>(std::move(opts), *out.store, std::move(ca), rng);
}

std::unique_ptr<asio::ssl::context> make_tls_context(const command_line& c, Botan::RandomNumberGenerator& rng)
{
    const auto material = c.tls.cert ? read_tls_material(*c.tls.cert, *c.tls.key)
                                     : make_tls_material(c.dir, c.tls.names, rng);
    auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    ctx->use_certificate_chain(asio::buffer(material.chain_pem), ec);
    if (ec)
        throw std::runtime_error(std::string(c.tls.cert ? "--tls-cert " + c.tls.cert->string() : "TLS certificate") +
                                 ": " + ec.message());
    ctx->use_private_key(asio::buffer(material.key_pem), asio::ssl::context::pem, ec);
    if (ec)
        throw std::runtime_error(std::string(c.tls.key ? "--tls-key " + c.tls.key->string() : "TLS key") + ": " +
                                 ec.message());
    return ctx;
}

} // namespace

int serve(const command_line& c)
{
    const auto listen = parse_listen(c.listen);
    std::filesystem::create_directories(c.dir);
    auto profiles = c.profiles;
    const auto saved = load_profiles(c.dir);
    if (profiles.empty() && !saved.empty()) {
        if (!c.single_flags_given.empty())
            throw usage_error(c.dir.string() + " holds profiles (made with --profile); start it with --profile, or "
                                               "with no CA flags to serve the profiles it holds");
        profiles = saved; // the same state directory restarts every profile
        std::cerr << "ascep-testca: serving the " << profiles.size() << " profiles of " << c.dir.string() << "\n";
    }
    if (!profiles.empty() && saved.empty() && std::filesystem::exists(c.dir / "ca.crt"))
        throw usage_error(c.dir.string() + " holds a single CA (made without --profile); use another --dir for profiles");
    if (!c.profiles.empty())
        save_profiles(c.dir, c.profiles);

    const std::uint64_t seed = c.seed ? *c.seed : (std::uint64_t(std::random_device{}()) << 32) ^ std::random_device{}();
    Botan::AutoSeeded_RNG rng;
    std::vector<running_ca> cas;
    std::string faults_text;
    if (profiles.empty()) {
        cas.emplace_back();
        start_ca(cas.back(), c.dir, c.single, seed, rng);
        faults_text = to_string(c.single.faults);
    } else {
        cas.resize(profiles.size());
        for (std::size_t i = 0; i < profiles.size(); ++i) {
            cas[i].name = profiles[i].name;
            // Each profile draws from its own sequence, so adding a profile
            // does not change what another one does with the same seed.
            start_ca(cas[i], c.dir / profiles[i].name, profiles[i].flags, seed + 0x9E3779B97F4A7C15ull * (i + 1), rng);
            if (!profiles[i].flags.faults.empty())
                faults_text += (faults_text.empty() ? "" : " ") + profiles[i].name + ":" +
                               to_string(profiles[i].flags.faults);
        }
    }
    if (!faults_text.empty())
        std::cerr << "ascep-testca: faults " << faults_text << "; seed " << seed << " (--seed " << seed
                  << " repeats them)" << std::endl;

    std::unique_ptr<asio::ssl::context> tls;
    if (c.tls.enabled)
        tls = make_tls_context(c, rng);

    asio::io_context ioc(1);
    asio::ip::tcp::acceptor acceptor(ioc);
    acceptor.open(listen.protocol());
    acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true));
    acceptor.bind(listen);
    acceptor.listen();
    const auto bound = acceptor.local_endpoint();
    const auto host = bound.address().is_v6() ? "[" + bound.address().to_string() + "]" : bound.address().to_string();
    const auto base = std::string(tls ? "https://" : "http://") + host + ":" + std::to_string(bound.port()) + "/";
    std::string urls;
    for (const auto& ca : cas)
        urls += ca.name.empty() ? base + "scep\n" : ca.name + " " + base + ca.name + "\n";
    // stdout first (tests and scripts read the first line), then the file,
    // written whole at once: a script that sees it may connect.
    std::cout << urls << std::flush;
    if (c.url_file)
        write_file_atomic(*c.url_file, urls);
    if (tls && !c.tls.cert)
        std::cerr << "ascep-testca: HTTPS; clients trust it with --cacert " << (c.dir / "tls-ca.pem").string() << "\n";

    event_log events(c.dir / "events.jsonl");
    events.write_start(base, faults_text, seed);

    server_context ctx;
    std::vector<state_store*> stores;
    for (auto& ca : cas) {
        ctx.routes.push_back({ca.name, ca.svc.get()});
        stores.push_back(ca.store.get());
    }
    ctx.commits = make_commit_queue(ioc.get_executor(), std::move(stores));
    ctx.log = &std::cerr;
    ctx.events = &events;
    ctx.tls = tls.get();

    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    int stopped_by = 0;
    signals.async_wait([&](const boost::system::error_code& ec, int signo) {
        if (ec)
            return;
        stopped_by = signo;
        boost::system::error_code ignored;
        acceptor.close(ignored);
        ioc.stop();
    });
    asio::co_spawn(ioc, async_serve(acceptor, ctx), asio::detached);
    ioc.run();
    // Each request's state was durable before its reply was sent; what a
    // request cut short by the stop wrote, and the event log, are made so now.
    sync_all(*ctx.commits);
    events.sync();
    std::cerr << "ascep-testca: stopped" << (stopped_by == SIGTERM ? " (SIGTERM)" : stopped_by == SIGINT ? " (SIGINT)" : "")
              << std::endl;
    return 0;
}

} // namespace ascep::testca
