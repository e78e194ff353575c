// One enrollment as the test CA remembers it, keyed by transactionID.
#pragma once

#include "scep/types.hpp"

#include <botan/bigint.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ascep::testca {

enum class transaction_state {
    pending,  // waiting for polls (--pending) or the operator (--manual)
    approved, // `ascep-testca approve`: issued on the next poll
    rejected, // `ascep-testca reject`: FAILURE badRequest from now on
    issued,   // `serial` names the certificate; a resent request gets it again
};

std::string_view name(transaction_state s);
std::optional<transaction_state> transaction_state_from(std::string_view text);

struct transaction {
    std::string id;
    scep::message_type type = scep::message_type::pkcs_req;
    transaction_state state = transaction_state::pending;
    /// CertPolls (and resent requests) answered so far.
    unsigned polls = 0;
    /// The DER PKCS#10 to issue from.
    std::vector<std::uint8_t> csr;
    /// For `list`: the CSR's subject as text.
    std::string subject;
    std::optional<Botan::BigInt> serial;
    /// Seconds since the epoch, for `list`.
    std::int64_t created = 0;
};

} // namespace ascep::testca
