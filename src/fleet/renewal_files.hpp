// The crash-safe replacement of a fleet device's key and certificate
// (fleet --renew-within), and what a device directory left by an
// interrupted renewal needs when a run starts. In DIR/<id>/, each step
// durable (fsync'ed file, fsync'ed directory) before the next:
//
//   1. key.new.pem (0600) and csr.new.pem, before any request for them leaves;
//   2. once the CA issued: chain.new.pem, then cert.new.pem;
//   3. the swap: previous/ gets copies of key.pem, csr.pem, chain.pem and
//      cert.pem (the pair being replaced);
//   4. key.new.pem is renamed to key.pem: cert.new.pem without key.new.pem
//      says the copies in previous/ are complete;
//   5. csr.new.pem and chain.new.pem are renamed into place, then
//      cert.new.pem last: no cert.new.pem, no swap under way.
//
// A crash before 4 leaves the old pair intact; from 4 on the next run
// completes the swap before anything else looks at the device. Between 4
// and 5 key.pem is new and cert.pem old: only a re-run sees that, and it
// finishes the swap first. These functions block (disk, RSA): fleet runs
// them on its worker pools.
#pragma once

#include "fleet/device_files.hpp"
#include "fleet/journal.hpp"

#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace ascep::fleet {

/// What an interrupted renewal left in a device directory.
struct renewal_files {
    bool key_new = false;  ///< key.new.pem
    bool cert_new = false; ///< cert.new.pem
};

renewal_files renewal_files_in(const device_paths& paths);

enum class renewal_step {
    none,        ///< no renewal under way: renew the device if it is due, else skip it
    resend,      ///< key.new.pem waits for its certificate: send its request again (same key, same transaction)
    poll,        ///< the same, and the CA answered PENDING: CertPoll
    finish_swap, ///< cert.new.pem is there: complete the swap (finish_swap) before anything else
};

/// The decision, a pure function of the files and of the device's last
/// journal state. The files win over the journal, which may lag them (its
/// appends are group-committed): cert.new.pem means finish the swap,
/// key.new.pem means that key's request is under way (never a second new
/// key); the journal only tells a PENDING request (poll) from one whose
/// answer was lost (resend).
renewal_step next_renewal_step(const renewal_files& files, std::optional<device_state> journal);

/// The device's current key: key.pem, else the manifest's key file (a
/// device enrolled with `key` has no key.pem until its first renewal).
std::string current_key_path(const device& d, const device_paths& paths);

/// The new key and its request, and the current pair that signs it.
/// key.new.pem when it exists (a renewal under way), else a new RSA key of
/// `bits` (or, with `reuse_key`, the current key) written to key.new.pem
/// first; csr.new.pem when it is for that key, else a new one. `under_way`:
/// key.new.pem must exist (its request was sent): it is never replaced.
/// `pass` (--key-pass; may be null) decrypts the keys read and encrypts
/// key.new.pem.
device_material prepare_renewal_material(const device& d, const device_paths& paths, unsigned bits,
                                         const std::string& default_challenge, bool reuse_key, bool under_way,
                                         const keys::passphrase* pass);

/// Writes chain.new.pem and cert.new.pem, then finish_swap. Returns why it
/// failed, or an empty string.
std::string install_renewed(const device& d, const device_paths& paths, const Botan::X509_Certificate& cert,
                            const std::vector<Botan::X509_Certificate>& chain);

/// Steps 3 to 5 from wherever an earlier attempt stopped; refuses (and
/// changes nothing) when cert.new.pem is not for the new key. `max_steps`
/// stops after that many file operations, as a crash would (for tests).
/// Returns why it failed, or an empty string.
std::string finish_swap(const device& d, const device_paths& paths,
                        unsigned max_steps = std::numeric_limits<unsigned>::max());

/// What a run finds in a device directory before it decides anything: an
/// interrupted swap is completed first, so that key.pem and cert.pem are a
/// pair again.
struct device_on_disk {
    std::optional<Botan::X509_Certificate> issued; ///< issued_certificate(), after the swap
    renewal_files files;                           ///< after the swap
    /// Set when this call completed a swap: the certificate it replaced.
    std::optional<Botan::X509_Certificate> replaced;
    std::string error; ///< the swap could not be completed
};
device_on_disk look_at_device(const device& d, const device_paths& paths);

/// A certificate file, if it parses.
std::optional<Botan::X509_Certificate> read_certificate(const std::string& path);

} // namespace ascep::fleet
