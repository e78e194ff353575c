#include "testca/admin_commands.hpp"

#include "asn1/rfc3339.hpp"
#include "asn1/rfc4514.hpp"

#include <botan/auto_rng.h>

#include <ctime>
#include <iostream>

namespace ascep::testca {
namespace {

std::string format_time(std::int64_t t)
{
    return asn1::rfc3339(std::chrono::system_clock::from_time_t(static_cast<std::time_t>(t)));
}

/// STATE, or STATE/NAME with --profile. A state directory of profiles
/// without --profile is a usage error that names them.
std::filesystem::path state_dir(const command_line& c)
{
    const auto profiles = load_profiles(c.dir);
    if (c.profile) {
        const auto dir = c.dir / *c.profile;
        bool known = false;
        for (const auto& p : profiles)
            known = known || p.name == *c.profile;
        if (!known && !std::filesystem::exists(dir / "ca.crt"))
            throw usage_error("no profile " + *c.profile + " in " + c.dir.string());
        return dir;
    }
    if (!profiles.empty()) {
        std::string names;
        for (const auto& p : profiles)
            names += (names.empty() ? "" : ", ") + p.name;
        throw usage_error(c.dir.string() + " holds profiles (" + names + "): say which with --profile NAME");
    }
    return c.dir;
}

int decide(const command_line& c, transaction_state to)
{
    if (c.positional.size() != 1)
        throw usage_error(c.command + " wants one TRANSACTION-ID");
    state_store store(state_dir(c));
    const auto held = store.lock();
    auto t = store.load_transaction(c.positional.front());
    if (!t) {
        std::cerr << "ascep-testca: no transaction " << c.positional.front() << "\n";
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

int revoke(const command_line& c)
{
    if (c.positional.size() != 1)
        throw usage_error("revoke wants one SERIAL (decimal, 0x-hex or aa:bb:cc)");
    const auto serial = parse_serial(c.positional.front());
    if (!serial)
        throw usage_error("'" + c.positional.front() + "' is not a serial number");
    state_store store(state_dir(c));
    const auto ca = load_ca(store);
    if (!ca)
        return 1;
    Botan::AutoSeeded_RNG rng;
    const auto crl = revoke_serial(store, *ca, *serial, clock::now(), rng);
    std::cout << "revoked " << serial_hex(*serial) << "; CRL has " << crl.get_revoked().size() << " entries\n";
    return 0;
}

int rollover(const command_line& c)
{
    if (!c.positional.empty())
        throw usage_error("unexpected argument " + c.positional.front());
    state_store store(state_dir(c));
    if (!load_ca(store))
        return 1;
    Botan::AutoSeeded_RNG rng;
    const auto next = make_rollover_ca(store, c.single.setup.key_bits, clock::now(), rng);
    std::cout << "rollover CA " << asn1::rfc4514(next.cert.subject_dn()) << " serial "
              << serial_hex(Botan::BigInt(next.cert.serial_number())) << "\n";
    return 0;
}

int list(const command_line& c)
{
    if (!c.positional.empty())
        throw usage_error("unexpected argument " + c.positional.front());
    state_store store(state_dir(c));
    const auto crl = store.crl();
    std::cout << "transactions:\n";
    for (const auto& t : store.transactions()) {
        std::cout << "  " << t.id << "  " << name(t.state) << "  " << scep::name(t.type) << "  polls=" << t.polls;
        if (t.serial)
            std::cout << "  serial=" << serial_hex(*t.serial);
        std::cout << "  " << format_time(t.created) << "  " << t.subject << "\n";
    }
    std::cout << "issued:\n";
    for (const auto& cert : store.issued()) {
        const Botan::BigInt serial(cert.serial_number());
        std::cout << "  " << serial_hex(serial) << " (" << serial.to_dec_string() << ")  "
                  << (crl && crl->is_revoked(cert) ? "revoked" : "valid") << "  until "
                  << cert.not_after().readable_string() << "  " << asn1::rfc4514(cert.subject_dn()) << "\n";
    }
    return 0;
}

} // namespace

int run_admin_command(const command_line& c)
{
    if (c.command == "approve")
        return decide(c, transaction_state::approved);
    if (c.command == "reject")
        return decide(c, transaction_state::rejected);
    if (c.command == "revoke")
        return revoke(c);
    if (c.command == "rollover")
        return rollover(c);
    if (c.command == "list")
        return list(c);
    throw usage_error("unknown command " + c.command);
}

} // namespace ascep::testca
