// renew with a key on a PKCS#11 token (-k pkcs11:...;object=LABEL): the
// same guarantee as the file renewal (io/pair_swap.hpp), with labels on
// the token in place of KEY.new and KEY.prev:
//
//   remove LABEL.prev keys          (the previous renewal's old key)
//   generate LABEL.pending          (on the token; a re-run reuses it, never makes a second)
//   request signed by LABEL + CERT  -> the CA's answer
//   write CERT.new
//   copy CERT to CERT.prev, relabel LABEL -> LABEL.prev
//   remove CERT
//   relabel LABEL.pending -> LABEL
//   rename CERT.new to CERT
//
// Each step is durable before the next (fsync'ed files; the token's own
// store). token_step() reads what the token and the files hold and names
// the step to do next; io::crash_point marks the same points as the file
// renewal's crash tests (key-written, issued, cert-written, previous-kept,
// cert-removed, key-installed).
#pragma once

#include "cli/key_source.hpp"

#include <string>

namespace ascep::cli {

class session;

/// What the token (private keys by label) and the files hold.
struct token_pair_state {
    bool key = false;      ///< LABEL
    bool pending = false;  ///< LABEL.pending
    bool cert = false;     ///< CERT
    bool cert_new = false; ///< CERT.new
};

enum class token_step {
    idle,          ///< LABEL and CERT are the pair: renew when due
    request,       ///< LABEL.pending waits for its certificate: send (again) with it
    keep_previous, ///< the new pair is whole beside the old: keep the old, install
    install_key,   ///< LABEL is gone (kept as LABEL.prev): CERT out, LABEL.pending -> LABEL
    install_cert,  ///< LABEL is the new key: CERT.new -> CERT
    broken,        ///< no state a renewal leaves; the operator decides
};

/// The next step. Pure.
token_step next_token_step(const token_pair_state& s);

/// Runs renew for a token key (after the challenge is resolved); the exit code.
int run_token_renewal(session& s, const std::string& challenge);

} // namespace ascep::cli
