// ascep-testca: a SCEP test CA for tests and CI pipelines (docs/testca.md,
// ascep-testca(1)). `serve` (the default) runs the server; the other commands
// change the state directory of a running or stopped server.
#include "asn1/rfc3339.hpp"
#include "asn1/rfc4514.hpp"
#include "io/duration.hpp"
#include "testca/server.hpp"
#include "testca/service.hpp"
#include "testca/state_store.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <botan/auto_rng.h>
#include <botan/pkcs10.h>

#include <charconv>
#include <ctime>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
using namespace ascep::testca;

const char* const usage_text =
    "usage: ascep-testca [serve] --dir STATE [--listen 127.0.0.1:PORT] [--challenge PW] [--pending N]\n"
    "                    [--manual] [--reject] [--ra] [--intermediate] [--chain-order leaf-first|root-first|random]\n"
    "                    [--caps LIST] [--key-bits N] [--validity DURATION]\n"
    "                    [--crash-after-issue N]  (testing aid: exit 86 after the N-th issuance, before replying)\n"
    "                    [--strict]  (testing aid: the challenge on renewals and resent requests too; the log\n"
    "                                 tells new, resent and polls apart and names each request's signer)\n"
    "       ascep-testca approve --dir STATE TRANSACTION-ID\n"
    "       ascep-testca reject --dir STATE TRANSACTION-ID\n"
    "       ascep-testca revoke --dir STATE SERIAL\n"
    "       ascep-testca rollover --dir STATE [--key-bits N]\n"
    "       ascep-testca list --dir STATE\n";

struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct arguments {
    std::string command = "serve";
    std::map<std::string, std::string> values; // --name VALUE
    std::vector<std::string> flags;             // --name
    std::vector<std::string> positional;

    bool has(const std::string& f) const { return std::find(flags.begin(), flags.end(), f) != flags.end(); }
    std::optional<std::string> value(const std::string& name) const
    {
        const auto it = values.find(name);
        return it == values.end() ? std::nullopt : std::optional<std::string>(it->second);
    }
};

arguments parse_arguments(int argc, char** argv)
{
    static const std::vector<std::string> with_value = {"--dir",      "--listen",   "--challenge",  "--pending",
                                                        "--caps",     "--key-bits", "--validity",   "--chain-order",
                                                        "--crash-after-issue"};
    static const std::vector<std::string> flags = {"--manual", "--reject", "--strict", "--ra", "--intermediate",
                                                   "--help", "-h"};
    arguments a;
    int i = 1;
    if (i < argc && argv[i][0] != '-')
        a.command = argv[i++];
    for (; i < argc; ++i) {
        std::string arg = argv[i];
        std::optional<std::string> inline_value;
        if (const auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
            inline_value = arg.substr(eq + 1);
            arg.resize(eq);
        }
        if (std::find(with_value.begin(), with_value.end(), arg) != with_value.end()) {
            if (!inline_value && i + 1 >= argc)
                throw usage_error(arg + " needs a value");
            a.values[arg] = inline_value ? *inline_value : argv[++i];
        } else if (std::find(flags.begin(), flags.end(), arg) != flags.end()) {
            if (inline_value)
                throw usage_error(arg + " takes no value");
            a.flags.push_back(arg);
        } else if (!arg.empty() && arg[0] == '-') {
            throw usage_error("unknown option " + arg);
        } else {
            a.positional.push_back(arg);
        }
    }
    return a;
}

unsigned to_unsigned(const std::string& name, const std::string& text, unsigned min, unsigned max)
{
    unsigned v = 0;
    const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || p != text.data() + text.size() || v < min || v > max)
        throw usage_error(name + " must be a number from " + std::to_string(min) + " to " + std::to_string(max));
    return v;
}

std::size_t key_bits(const arguments& a)
{
    return to_unsigned("--key-bits", a.value("--key-bits").value_or("2048"), 1024, 8192);
}

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
    const auto port = to_unsigned("--listen port", text.substr(colon + 1), 0, 65535);
    boost::system::error_code ec;
    const auto addr = asio::ip::make_address(host, ec);
    if (ec)
        throw usage_error("--listen: '" + host + "' is not an IP address");
    return {addr, static_cast<unsigned short>(port)};
}

std::string require_dir(const arguments& a)
{
    const auto dir = a.value("--dir");
    if (!dir || dir->empty())
        throw usage_error("--dir STATE is required");
    return *dir;
}

int serve(const arguments& a)
{
    if (!a.positional.empty())
        throw usage_error("unexpected argument " + a.positional.front());
    service_options opts;
    opts.rules.challenge = a.value("--challenge");
    opts.rules.pending_polls = to_unsigned("--pending", a.value("--pending").value_or("0"), 0, 1000000);
    opts.rules.manual = a.has("--manual");
    opts.rules.reject = a.has("--reject");
    opts.rules.strict = a.has("--strict");
    if (const auto caps = a.value("--caps"))
        opts.caps = parse_caps_list(*caps);
    if (const auto text = a.value("--validity")) {
        // A bare number stays days, as the option always read it.
        const auto validity = ascep::io::parse_duration(*text, 'd');
        if (!validity || validity->count() <= 0)
            throw usage_error("--validity must be " + ascep::io::duration_syntax('d') + ", not '" + *text + "'");
        opts.validity = *validity;
    }
    opts.crash_after_issue =
        to_unsigned("--crash-after-issue", a.value("--crash-after-issue").value_or("0"), 0, 1000000000);
    if (const auto order = a.value("--chain-order")) {
        const auto parsed = parse_chain_order(*order);
        if (!parsed)
            throw usage_error("--chain-order must be leaf-first, root-first or random, not '" + *order + "'");
        opts.order = *parsed;
    }
    const auto listen = parse_listen(a.value("--listen").value_or("127.0.0.1:8080"));

    Botan::AutoSeeded_RNG rng;
    state_store store(require_dir(a));
    // Key generation happens here, once, before the loop starts.
    auto ca = load_or_create_ca(store, {key_bits(a), a.has("--ra"), a.has("--intermediate")}, clock::now(), rng);
    if (ca.root && !a.has("--intermediate"))
        std::cerr << "ascep-testca: " << store.dir().string()
                  << " holds a root (made with --intermediate): issuing from the CA under it\n";
    if (a.value("--chain-order") && !ca.serves_chain())
        std::cerr << "ascep-testca: --chain-order has no effect: GetCACert serves the CA certificate alone "
                     "(add --intermediate or --ra)\n";
    service svc(std::move(opts), store, std::move(ca), rng);

    asio::io_context ioc(1);
    asio::ip::tcp::acceptor acceptor(ioc);
    acceptor.open(listen.protocol());
    acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true));
    acceptor.bind(listen);
    acceptor.listen();
    const auto bound = acceptor.local_endpoint();
    const auto host = bound.address().is_v6() ? "[" + bound.address().to_string() + "]" : bound.address().to_string();
    // The first line of stdout, flushed: tests and scripts read the URL from it.
    std::cout << "http://" << host << ":" << bound.port() << "/scep" << std::endl;

    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code&, int) {
        boost::system::error_code ignored;
        acceptor.close(ignored);
        ioc.stop();
    });
    asio::co_spawn(ioc, async_serve(acceptor, svc, std::cerr), asio::detached);
    ioc.run();
    return 0;
}

std::string format_time(std::int64_t t)
{
    return ascep::asn1::rfc3339(std::chrono::system_clock::from_time_t(static_cast<std::time_t>(t)));
}

int decide(const arguments& a, transaction_state to)
{
    if (a.positional.size() != 1)
        throw usage_error(a.command + " wants one TRANSACTION-ID");
    state_store store(require_dir(a));
    const auto held = store.lock();
    auto t = store.load_transaction(a.positional.front());
    if (!t) {
        std::cerr << "ascep-testca: no transaction " << a.positional.front() << "\n";
        return 1;
    }
    if (t->state == transaction_state::issued) {
        std::cerr << "ascep-testca: transaction " << t->id << " is already issued\n";
        return 1;
    }
    t->state = to;
    store.save_transaction(*t);
    std::cout << t->id << " " << name(to) << "\n";
    return 0;
}

std::optional<identity> load_ca(state_store& store)
{
    auto ca = store.load_identity("ca");
    if (!ca)
        std::cerr << "ascep-testca: no CA in " << store.dir().string() << " (start the server once)\n";
    return ca;
}

int revoke(const arguments& a)
{
    if (a.positional.size() != 1)
        throw usage_error("revoke wants one SERIAL (decimal, 0x-hex or aa:bb:cc)");
    const auto serial = parse_serial(a.positional.front());
    if (!serial)
        throw usage_error("'" + a.positional.front() + "' is not a serial number");
    state_store store(require_dir(a));
    const auto ca = load_ca(store);
    if (!ca)
        return 1;
    Botan::AutoSeeded_RNG rng;
    const auto crl = revoke_serial(store, *ca, *serial, clock::now(), rng);
    std::cout << "revoked " << serial_hex(*serial) << "; CRL has " << crl.get_revoked().size() << " entries\n";
    return 0;
}

int rollover(const arguments& a)
{
    state_store store(require_dir(a));
    if (!load_ca(store))
        return 1;
    Botan::AutoSeeded_RNG rng;
    const auto next = make_rollover_ca(store, key_bits(a), clock::now(), rng);
    std::cout << "rollover CA " << ascep::asn1::rfc4514(next.cert.subject_dn()) << " serial "
              << serial_hex(Botan::BigInt(next.cert.serial_number())) << "\n";
    return 0;
}

int list(const arguments& a)
{
    state_store store(require_dir(a));
    const auto crl = store.crl();
    std::cout << "transactions:\n";
    for (const auto& t : store.transactions()) {
        std::cout << "  " << t.id << "  " << name(t.state) << "  " << ascep::scep::name(t.type) << "  polls=" << t.polls;
        if (t.serial)
            std::cout << "  serial=" << serial_hex(*t.serial);
        std::cout << "  " << format_time(t.created) << "  " << t.subject << "\n";
    }
    std::cout << "issued:\n";
    for (const auto& c : store.issued()) {
        const Botan::BigInt serial(c.serial_number());
        std::cout << "  " << serial_hex(serial) << " (" << serial.to_dec_string() << ")  "
                  << (crl && crl->is_revoked(c) ? "revoked" : "valid") << "  until " << c.not_after().readable_string()
                  << "  " << ascep::asn1::rfc4514(c.subject_dn()) << "\n";
    }
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    try {
        const auto a = parse_arguments(argc, argv);
        if (a.has("--help") || a.has("-h")) {
            std::cout << usage_text;
            return 0;
        }
        if (a.command == "serve")
            return serve(a);
        if (a.command == "approve")
            return decide(a, transaction_state::approved);
        if (a.command == "reject")
            return decide(a, transaction_state::rejected);
        if (a.command == "revoke")
            return revoke(a);
        if (a.command == "rollover")
            return rollover(a);
        if (a.command == "list")
            return list(a);
        throw usage_error("unknown command " + a.command);
    } catch (const usage_error& e) {
        std::cerr << "ascep-testca: " << e.what() << "\n" << usage_text;
        return 64;
    } catch (const std::exception& e) {
        std::cerr << "ascep-testca: " << e.what() << "\n";
        return 1;
    }
}
