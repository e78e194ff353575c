// A SoftHSM2 token of the test's own, in its temporary directory: the token
// store and the softhsm2.conf that points at it (SOFTHSM2_CONF is set for
// this process and the programs it starts), initialised with a label, a
// user PIN in a 0600 file and a throwaway SO PIN. `keys_listing` shows what
// pkcs11-tool (Debian opensc) sees, logged in.
#pragma once

#include "temp_dir.hpp"

#include <filesystem>
#include <string>

namespace ascep::test {

class softhsm {
public:
    /// Throws std::runtime_error when softhsm2-util fails.
    softhsm(const temp_dir& dir, std::string label = "gw", std::string pin = "Pin-7391-x");

    static constexpr const char* module = "/usr/lib/softhsm/libsofthsm2.so";
    const std::string& label() const { return label_; }
    const std::string& pin() const { return pin_; }
    /// A file holding the PIN (mode 0600), for --pin-file.
    std::string pin_file() const { return pin_file_.string(); }
    /// The token store, where the token keeps its objects.
    const std::filesystem::path& store() const { return store_; }
    /// "pkcs11:token=LABEL;object=OBJECT".
    std::string uri(const std::string& object) const { return "pkcs11:token=" + label_ + ";object=" + object; }

    /// `pkcs11-tool --module ... --login -O`: every object, with the private
    /// keys' access flags.
    std::string objects() const;

private:
    std::string label_;
    std::string pin_;
    std::filesystem::path store_;
    std::filesystem::path pin_file_;
};

/// Files under `root`, outside `except`, whose content holds "PRIVATE KEY".
std::vector<std::filesystem::path> private_key_files(const std::filesystem::path& root,
                                                     const std::filesystem::path& except);

} // namespace ascep::test
