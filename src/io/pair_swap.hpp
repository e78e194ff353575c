// Replacing a private key and its certificate as a pair (`ascep renew`),
// so that no crash (kill -9, power cut) leaves a key beside a certificate
// that is not for it, and the state on disk alone says how to go on.
//
// Two paths cannot change in one atomic step, so the swap goes through
// states in which the pair is either whole or visibly incomplete, never
// mismatched:
//
//   write KEY.new                 (before the request goes out: a re-run
//                                  resends with the same key, never a new one)
//   write CERT.new                (the issued certificate, beside its key)
//   KEY.new, CERT.new take the owner, group and mode of KEY, CERT
//   copy KEY, CERT to .prev       (the previous pair, kept, as they were)
//   remove CERT                   (KEY old, no CERT: incomplete, not wrong)
//   rename KEY.new to KEY         (KEY new, no CERT)
//   rename CERT.new to CERT       (the new pair)
//
// Every step is durable (the file and its directory fsync'ed) before the
// next begins. next_step() reads which files exist and names the step to
// do next; the pure decision is unit-tested apart from the file work.
// io::crash_point (ASCEP_TEST_CRASH_AT) marks each step for the crash
// tests: key-written, issued, cert-written (in cli/renew_operation.cpp),
// previous-kept, cert-removed, key-installed (here).
//
// Symlinks: the caller passes the paths with their symlinks followed
// (io::follow_symlinks), so the swap happens beside the files the links
// point to, the links are never replaced, and a re-run through the same
// links finds the same .new files.
#pragma once

#include "io/crash_point.hpp"

#include <string>
#include <string_view>

namespace ascep::io {

struct pair_paths {
    std::string key;
    std::string cert;

    std::string key_new() const { return key + ".new"; }
    std::string cert_new() const { return cert + ".new"; }
    std::string key_prev() const { return key + ".prev"; }
    std::string cert_prev() const { return cert + ".prev"; }
};

/// Which of the pair's files exist.
struct pair_files {
    bool key = false;
    bool cert = false;
    bool key_new = false;
    bool cert_new = false;
};

enum class pair_step {
    /// No renewal under way: KEY and CERT are the pair.
    idle,
    /// KEY.new waits for its certificate: send the request with it (again).
    request,
    /// KEY.new and CERT.new are the new pair, KEY and CERT still the old
    /// one: keep the old pair as .prev, then remove CERT and install both.
    keep_previous,
    /// CERT is gone (the old pair is in .prev): rename KEY.new, then CERT.new.
    install_key,
    /// KEY is the new key: rename CERT.new to CERT.
    install_cert,
    /// No state the swap leaves behind: `why` says what is odd; the
    /// operator decides.
    broken,
};

struct pair_decision {
    pair_step step = pair_step::broken;
    std::string why; ///< for `broken`: one line naming the files
};

/// The next step for what is on disk. Pure.
pair_decision next_step(const pair_files& f, const pair_paths& p);

/// Which files exist (stat only).
pair_files look_at(const pair_paths& p);

/// Runs the swap from `from` (keep_previous, install_key or install_cert)
/// to the end. The caller has checked that the .new files are the pair to
/// install. Returns an empty string, or why a step failed (errno text with
/// the path); the files are then in a state next_step() recognises.
std::string finish_swap(const pair_paths& p, pair_step from);

/// Removes KEY.new durably: the CA refused its request, so the next run
/// starts afresh (the old pair was never touched).
std::string abandon_new_key(const pair_paths& p);

} // namespace ascep::io
