// A TPM 2.0 token of the test's own: swtpm (a software TPM on two adjacent
// loopback TCP ports, the TPM's and its control channel's), a private D-Bus
// session bus (dbus-daemon), tpm2-abrmd on it as the resource manager (swtpm
// alone runs out of object slots under tpm2-pkcs11), and a tpm2-pkcs11 store
// made with tpm2_ptool, all in the test's temporary directory and all
// stopped by PID. The environment (DBUS_SESSION_BUS_ADDRESS,
// TPM2_PKCS11_TCTI, TPM2TOOLS_TCTI, TPM2_PKCS11_STORE) is set for this
// process and the programs it starts.
#pragma once

#include "background_process.hpp"
#include "temp_dir.hpp"

#include <filesystem>
#include <optional>
#include <string>

namespace ascep::test {

class tpm_token {
public:
    /// Starts everything and makes the token. Throws std::runtime_error with
    /// the failing step's output.
    explicit tpm_token(const temp_dir& dir, std::string label = "tpm", std::string pin = "Tpm-pin-7342");
    ~tpm_token();

    static constexpr const char* module = "/usr/lib/x86_64-linux-gnu/pkcs11/libtpm2_pkcs11.so";
    const std::string& label() const { return label_; }
    const std::string& pin() const { return pin_; }
    std::string pin_file() const { return pin_file_.string(); }
    /// The tpm2-pkcs11 store (its sqlite database) and the TPM's own state.
    const std::filesystem::path& store() const { return store_; }
    std::string uri(const std::string& object) const { return "pkcs11:token=" + label_ + ";object=" + object; }
    /// `pkcs11-tool --list-objects`, logged in.
    std::string objects() const;

private:
    std::string label_;
    std::string pin_;
    std::filesystem::path store_;
    std::filesystem::path pin_file_;
    std::optional<background_process> swtpm_;
    std::optional<background_process> bus_;
    std::optional<background_process> abrmd_;
};

} // namespace ascep::test
