// The token renewal's decision (cli/token_renewal.hpp): every combination
// of what the token and the files hold, and the state each crash point
// leaves names the step that finishes the swap.
#include "cli/token_renewal.hpp"

#include <catch2/catch.hpp>

using namespace ascep::cli;

TEST_CASE("next_token_step: every state a renewal leaves, and nothing else", "[cli][renew]")
{
    // key, pending, cert, cert_new
    CHECK(next_token_step({true, false, true, false}) == token_step::idle);
    CHECK(next_token_step({true, true, true, false}) == token_step::request);       // after key-written, issued
    CHECK(next_token_step({true, true, true, true}) == token_step::keep_previous);  // after cert-written
    CHECK(next_token_step({false, true, true, true}) == token_step::install_key);   // after previous-kept
    CHECK(next_token_step({false, true, false, true}) == token_step::install_key);  // after cert-removed
    CHECK(next_token_step({true, false, false, true}) == token_step::install_cert); // after key-installed

    // No run leaves these: the operator decides.
    CHECK(next_token_step({false, false, true, false}) == token_step::broken);  // no key
    CHECK(next_token_step({true, false, false, false}) == token_step::broken);  // no certificate
    CHECK(next_token_step({false, true, true, false}) == token_step::broken);   // pending without the key
    CHECK(next_token_step({true, true, false, true}) == token_step::broken);    // cert removed, key not moved
    CHECK(next_token_step({true, false, true, true}) == token_step::broken);    // CERT.new beside CERT, no pending
    CHECK(next_token_step({false, false, false, true}) == token_step::broken);
    CHECK(next_token_step({false, false, false, false}) == token_step::broken);
}
