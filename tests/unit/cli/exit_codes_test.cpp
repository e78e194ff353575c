#include "cli/exit_codes.hpp"
#include "cli/parse_error.hpp"

#include "asn1/error.hpp"
#include "cms/error.hpp"

#include <boost/asio/error.hpp>
#include <catch2/catch.hpp>

#include <set>

using namespace ascep::cli;

TEST_CASE("exit code table: complete, unique, sscep's numbers", "[cli][exit_codes]")
{
    std::set<int> codes;
    std::set<outcome> outcomes;
    for (std::size_t i = 0; i < exit_code_table.size(); ++i) {
        const auto& e = exit_code_table[i];
        CHECK(static_cast<std::size_t>(e.what) == i); // ordered by outcome, none missing
        CHECK(codes.insert(e.code).second);
        CHECK(outcomes.insert(e.what).second);
        CHECK_FALSE(e.name.empty());
        CHECK_FALSE(e.description.empty());
        CHECK(&entry_of(e.what) == &e);
    }
    CHECK(exit_code(outcome::success) == 0);
    CHECK(exit_code(outcome::general_error) == 1);
    CHECK(exit_code(outcome::failure) == 2);
    CHECK(exit_code(outcome::pending) == 3);
    CHECK(exit_code(outcome::bad_alg) == 70);
    CHECK(exit_code(outcome::bad_message_check) == 71);
    CHECK(exit_code(outcome::bad_request) == 72);
    CHECK(exit_code(outcome::bad_time) == 73);
    CHECK(exit_code(outcome::bad_cert_id) == 74);
    CHECK(exit_code(outcome::timeout) == 89);
    CHECK(exit_code(outcome::self_signed_error) == 91);
    CHECK(exit_code(outcome::file_error) == 93);
    CHECK(exit_code(outcome::network_error) == 95);
    CHECK(exit_code(outcome::pkcs7_error) == 97);
    CHECK(exit_code(outcome::local_fault) == 75);
    static_assert(exit_code(outcome::pending) == 3, "usable at compile time");
}

TEST_CASE("failInfo maps to 70..74, anything else to FAILURE", "[cli][exit_codes]")
{
    CHECK(exit_code(outcome_of_fail_info(0)) == 70);
    CHECK(exit_code(outcome_of_fail_info(1)) == 71);
    CHECK(exit_code(outcome_of_fail_info(2)) == 72);
    CHECK(exit_code(outcome_of_fail_info(3)) == 73);
    CHECK(exit_code(outcome_of_fail_info(4)) == 74);
    CHECK(exit_code(outcome_of_fail_info(5)) == 2);
    CHECK(exit_code(outcome_of_fail_info(-1)) == 2);
    CHECK(exit_code(outcome_of_fail_info(std::nullopt)) == 2);
}

TEST_CASE("error categories map to exit codes", "[cli][exit_codes]")
{
    SECTION("by category name and timeout flag")
    {
        CHECK(outcome_of_category("ascep.asn1", false) == outcome::pkcs7_error);
        CHECK(outcome_of_category("ascep.cms", false) == outcome::pkcs7_error);
        CHECK(outcome_of_category("ascep.scep", false) == outcome::pkcs7_error);
        CHECK(outcome_of_category("ascep.cms", true) == outcome::pkcs7_error); // a timeout is never a CMS error
        CHECK(outcome_of_category("ascep.transport", false) == outcome::network_error);
        CHECK(outcome_of_category("ascep.transport", true) == outcome::timeout);
        CHECK(outcome_of_category("asio.netdb", false) == outcome::network_error);
        CHECK(outcome_of_category("asio.ssl", false) == outcome::network_error);
        CHECK(outcome_of_category("beast.http", false) == outcome::network_error);
        CHECK(outcome_of_category("something.else", false) == outcome::general_error);
        CHECK(outcome_of_category("something.else", true) == outcome::timeout);
    }
    SECTION("from real error codes")
    {
        CHECK(outcome_of({}) == outcome::success);
        CHECK(exit_code(outcome_of(ascep::asn1::errc::malformed)) == 97);
        CHECK(exit_code(outcome_of(ascep::cms::errc::bad_signature)) == 97);
        CHECK(exit_code(outcome_of(ascep::cms::errc::decryption_failed)) == 97);
        CHECK(exit_code(outcome_of(make_error_code(boost::system::errc::no_such_file_or_directory))) == 93);
        CHECK(exit_code(outcome_of(make_error_code(boost::system::errc::permission_denied))) == 93);
        CHECK(exit_code(outcome_of(make_error_code(boost::system::errc::connection_refused))) == 95);
        CHECK(exit_code(outcome_of(make_error_code(boost::system::errc::timed_out))) == 89);
        CHECK(exit_code(outcome_of(boost::asio::error::connection_refused)) == 95);
        CHECK(exit_code(outcome_of(boost::asio::error::timed_out)) == 89);
        CHECK(exit_code(outcome_of(boost::asio::error::host_not_found)) == 95);
    }
    SECTION("a transport-like category whose message says timeout")
    {
        // The transport layer is written elsewhere; this stands in for it.
        struct fake_transport final : boost::system::error_category {
            const char* name() const noexcept override { return "ascep.transport"; }
            std::string message(int ev) const override { return ev == 1 ? "connect timeout" : "HTTP status 500"; }
        };
        static const fake_transport cat;
        CHECK(exit_code(outcome_of(boost::system::error_code(1, cat))) == 89);
        CHECK(exit_code(outcome_of(boost::system::error_code(2, cat))) == 95);
    }
    SECTION("parse errors")
    {
        CHECK(usage_error("x").exit_code() == 1);
        CHECK(config_error("f.conf", 3, "x").exit_code() == 93);
        CHECK(config_error("f.conf", 3, "bad").message == "f.conf:3: bad");
        CHECK(config_error("f.conf", 0, "unreadable").message == "f.conf: unreadable");
    }
}
