// The order GetCACert (and GetNextCACert) lists a chain in (--chain-order).
// Real servers differ: step-ca sends intermediate then root, NDES its RA
// certificates first, some sub-CA setups the root first. Clients must decide
// roles by what the certificates say, never by position; serving every order,
// and a new random one per answer, is how the test CA checks that they do.
#pragma once

#include <botan/rng.h>
#include <botan/x509cert.h>

#include <optional>
#include <string_view>
#include <vector>

namespace ascep::testca {

enum class chain_order {
    leaf_first, // RA certificates, issuing CA, root (the default)
    root_first, // root, issuing CA, RA certificates
    random,     // shuffled again for every answer
};

/// "leaf-first", "root-first", "random"; nullopt for anything else.
std::optional<chain_order> parse_chain_order(std::string_view text);
std::string_view name(chain_order order);

/// A chain by levels, leaf level first: {RA signing, RA encryption}, {issuing
/// CA}, {root}; a level may be missing. The certificates of one level keep
/// their order in leaf-first and root-first alike, so root-first with --ra
/// alone is the order the test CA served before --chain-order existed.
using chain_levels = std::vector<std::vector<Botan::X509_Certificate>>;

/// The certificates of `levels` in `order`. `rng` is used for `random` only.
std::vector<Botan::X509_Certificate> arrange_chain(const chain_levels& levels, chain_order order,
                                                   Botan::RandomNumberGenerator& rng);

} // namespace ascep::testca
