// The ascep binary against a CA that forges, replays and mangles its replies.
// For each: the documented exit code, one line naming what failed, and no
// certificate on disk unless the reply is truly valid.
#include "http_query.hpp"
#include "ascep_workdir.hpp"
#include "run_process.hpp"
#include "scripted_ca.hpp"
#include "temp_dir.hpp"
#include "test_http_server.hpp"

#include <boost/asio/io_context.hpp>
#include <botan/base64.h>
#include <catch2/catch.hpp>

#include <atomic>
#include <sys/stat.h>
#include <thread>

using namespace ascep;

namespace {

/// A SCEP CA on 127.0.0.1 that answers every PKIOperation as `mode` says.
class hostile_ca {
public:
    std::atomic<test::reply_kind> mode{test::reply_kind::success};
    std::atomic<bool> wrong_content_type{false};

    hostile_ca()
    {
        test::http_server_options opts;
        opts.handler = [this](const test::recorded_request& r) { return answer(r); };
        server_.emplace(ioc_, std::move(opts));
        thread_ = std::thread([this] { ioc_.run(); });
    }

    ~hostile_ca()
    {
        ioc_.stop();
        thread_.join();
    }

    std::string url() const { return server_->url("/scep"); }
    const test::scripted_ca& ca() const { return ca_; }

private:
    std::optional<test::scripted_response> answer(const test::recorded_request& r)
    {
        const auto op = test::query_value(r.target, "operation");
        if (op == "GetCACaps")
            return test::scripted_response{200, "text/plain", bytes_of("POSTPKIOperation\nSHA-256\nAES\n")};
        if (op == "GetCACert")
            return test::scripted_response{200, "application/x-x509-ca-cert", ca_.ca().cert.BER_encode()};
        if (op != "PKIOperation")
            return test::scripted_response{404, "text/plain", {}};
        std::vector<std::uint8_t> request = r.body;
        if (r.method == "GET") {
            const auto decoded = Botan::base64_decode(test::percent_decode(test::query_value(r.target, "message")));
            request.assign(decoded.begin(), decoded.end());
        }
        const auto type = wrong_content_type ? "text/html" : "application/x-pki-message";
        return test::scripted_response{200, type, ca_.answer(request, mode)};
    }

    static std::vector<std::uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

    test::scripted_ca ca_;
    boost::asio::io_context ioc_;
    std::optional<test::test_http_server> server_;
    std::thread thread_;
};

struct fixture : test::ascep_workdir {
    hostile_ca ca;

    fixture()
    {
        dir.write("ca.crt", ca.ca().ca().cert.PEM_encode());
        const auto r = ascep({"mkrequest", "--prefix", path("local"), "-dns", "victim.example", "pw"});
        REQUIRE(r.exit_code == 0);
    }


    /// --retry-for 0: this CA answers the same way every time, so the first
    /// answer is the verdict (a mislabelled reply would otherwise be asked
    /// again, as a transient error, for a minute).
    test::process_result enroll(const std::string& cert, const std::string& method = "POST") const
    {
        return ascep({"enroll", "-u", ca.url(), "-c", path("ca.crt"), "-k", path("local.key"), "-r",
                      path("local.csr"), "-l", path(cert), "-t", "1", "-n", "1", "--method", method, "--retry-for",
                      "0"});
    }
};

} // namespace

TEST_CASE_METHOD(fixture, "every forged or mangled reply is refused and nothing is written")
{
    struct expectation {
        test::reply_kind kind;
        int exit_code;
        const char* says; // part of the one error line
    };
    const expectation cases[] = {
        {test::reply_kind::tampered_signature, 97, "signature does not verify"},
        {test::reply_kind::signed_by_other_ca, 97, "not signed by the CA/RA certificate"},
        {test::reply_kind::wrong_transaction_id, 97, "transactionID does not match"},
        {test::reply_kind::wrong_recipient_nonce, 97, "recipientNonce does not match"},
        {test::reply_kind::certificate_for_other_key, 97, "not for our public key"},
        {test::reply_kind::truncated, 97, "malformed"},
        {test::reply_kind::not_pkcs7, 97, "malformed"},
        {test::reply_kind::failure_bad_request, 72, "failInfo badRequest (scripted refusal)"},
        {test::reply_kind::pending, 3, "still PENDING"},
    };
    int n = 0;
    for (const auto& c : cases) {
        for (const std::string method : {"GET", "POST"}) {
            CAPTURE(test::name(c.kind), method);
            ca.mode = c.kind;
            const std::string cert = "cert-" + std::to_string(n++) + ".crt";
            const auto r = enroll(cert, method);
            CHECK(r.exit_code == c.exit_code);
            CHECK(r.errors.find(c.says) != std::string::npos);
            CHECK(r.errors.find("ascep: ") == 0);
            CHECK_FALSE(exists(cert));
        }
    }
}

TEST_CASE_METHOD(fixture, "a genuine reply is accepted by GET and POST")
{
    ca.mode = test::reply_kind::success;
    for (const std::string method : {"GET", "POST"}) {
        const auto r = enroll("good-" + method + ".crt", method);
        INFO(r.output << r.errors);
        CHECK(r.exit_code == 0);
        CHECK(exists("good-" + method + ".crt"));
    }
}

TEST_CASE_METHOD(fixture, "a reply with the wrong Content-Type is a network error (95)")
{
    ca.mode = test::reply_kind::success;
    ca.wrong_content_type = true;
    const auto r = enroll("never.crt");
    CHECK(r.exit_code == 95);
    CHECK(r.errors.find("Content-Type") != std::string::npos);
    CHECK_FALSE(exists("never.crt"));
}
