#include "tpm_token.hpp"

#include "run_process.hpp"

#include <sys/stat.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace ascep::test {
namespace {

/// Polls `ready` every 50 ms for up to `limit` (generous: a loaded machine
/// under the sanitizers); throws with `what` when it never holds. `ready`
/// throws itself when waiting is pointless (the process died).
template <typename F>
void wait_until(F ready, std::chrono::seconds limit, const std::string& what)
{
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!ready()) {
        if (std::chrono::steady_clock::now() > end)
            throw std::runtime_error("timed out waiting for " + what);
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

/// Throws with the log's tail when `p` has exited: a server that died is
/// not waited for until the deadline.
void must_run(const background_process& p, const std::string& what)
{
    if (!p.running())
        throw std::runtime_error(what + " exited; log:\n" + p.log_tail());
}

void must(const std::vector<std::string>& argv)
{
    const auto r = run_process(argv);
    if (r.exit_code != 0)
        throw std::runtime_error(argv.front() + " " + argv.at(1) + " failed: " + r.output + r.errors);
}

} // namespace

tpm_token::tpm_token(const temp_dir& dir, std::string label, std::string pin)
    : label_(std::move(label)), pin_(std::move(pin)), store_(dir.file("tpm2-store"))
{
    std::filesystem::create_directories(store_);
    const auto state = dir.file("swtpm-state");
    std::filesystem::create_directories(state);
    // The swtpm TCTI (libtss2-tcti-swtpm, which tpm2-abrmd loads) has no
    // option for the control channel: it always connects to the TPM port + 1.
    // With two unrelated free ports tpm2-abrmd exited at once ("Failed to
    // connect to control socket"), and the wait for it on the bus ran to its
    // deadline.
    std::uint16_t port = 0;
    // Another test may take one of the two ports between free_port_pair()
    // and swtpm's bind; swtpm then exits, and another pair is tried.
    for (int attempt = 1;; ++attempt) {
        port = free_port_pair();
        const auto ctrl = static_cast<std::uint16_t>(port + 1);
        swtpm_.emplace(std::vector<std::string>{"swtpm", "socket", "--tpm2", "--tpmstate", "dir=" + state.string(),
                                                "--server",
                                                "type=tcp,port=" + std::to_string(port) + ",bindaddr=127.0.0.1",
                                                "--ctrl", "type=tcp,port=" + std::to_string(ctrl) + ",bindaddr=127.0.0.1",
                                                "--flags", "not-need-init,startup-clear"},
                       dir.file("swtpm.log"));
        try {
            swtpm_->wait_for_port(port, std::chrono::seconds(30));
            swtpm_->wait_for_port(ctrl, std::chrono::seconds(30));
            must_run(*swtpm_, "swtpm");
            break;
        } catch (const std::runtime_error&) {
            if (attempt == 3 || swtpm_->running())
                throw;
            swtpm_.reset();
        }
    }

    const auto socket = dir.file("session-bus");
    const std::string address = "unix:path=" + socket.string();
    bus_.emplace(std::vector<std::string>{"dbus-daemon", "--session", "--nofork", "--address=" + address},
                 dir.file("dbus.log"));
    wait_until(
        [&] {
            must_run(*bus_, "dbus-daemon");
            return std::filesystem::exists(socket);
        },
        std::chrono::seconds(30), "the D-Bus session bus");
    ::setenv("DBUS_SESSION_BUS_ADDRESS", address.c_str(), 1);

    // --allow-root: CI runs the tests as root, which tpm2-abrmd refuses by default.
    abrmd_.emplace(std::vector<std::string>{"tpm2-abrmd", "--session", "--allow-root",
                                            "--tcti=swtpm:host=127.0.0.1,port=" + std::to_string(port)},
                   dir.file("abrmd.log"));
    wait_until(
        [this] {
            must_run(*abrmd_, "tpm2-abrmd");
            const auto r = run_process({"dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
                                        "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner",
                                        "string:com.intel.tss2.Tabrmd"});
            return r.exit_code == 0 && r.output.find("boolean true") != std::string::npos;
        },
        std::chrono::seconds(60), "tpm2-abrmd on the session bus");

    ::setenv("TPM2_PKCS11_TCTI", "tabrmd:bus_type=session", 1);
    ::setenv("TPM2TOOLS_TCTI", "tabrmd:bus_type=session", 1);
    ::setenv("TPM2_PKCS11_STORE", store_.c_str(), 1);
    pin_file_ = dir.write("tpm.pin", pin_ + "\n");
    ::chmod(pin_file_.c_str(), 0600);
    must({"tpm2_ptool", "init", "--path=" + store_.string()});
    // The PINs on this argv are the test token's, in a test.
    must({"tpm2_ptool", "addtoken", "--pid=1", "--sopin=so-Tpm-0000", "--userpin=" + pin_, "--label=" + label_,
          "--path=" + store_.string()});
}

tpm_token::~tpm_token()
{
    // The resource manager first (it holds the TPM connection), then the
    // bus and the TPM; each by its PID.
    abrmd_.reset();
    bus_.reset();
    swtpm_.reset();
}

std::string tpm_token::objects() const
{
    const auto r = run_process({"pkcs11-tool", "--module", module, "--token-label", label_, "--login", "--pin", pin_,
                                "--list-objects"});
    if (r.exit_code != 0)
        throw std::runtime_error("pkcs11-tool --list-objects failed: " + r.output + r.errors);
    return r.output;
}

} // namespace ascep::test
