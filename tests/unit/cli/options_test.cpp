#include "cli/options.hpp"

#include "cli_test_util.hpp"

#include <catch2/catch.hpp>

using namespace ascep;
using namespace ascep::cli;
using namespace ascep::cli::test;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

TEST_CASE("operations: names round-trip, unknown and missing are usage errors", "[cli][options]")
{
    for (auto op : {operation::getcaps, operation::getca, operation::getnextca, operation::enroll, operation::getcert,
                    operation::getcrl, operation::mkrequest, operation::inspect, operation::fleet})
        CHECK(parse_operation(name_of(op)) == op);
    CHECK_FALSE(parse_operation("getc")); // sscep matched prefixes; we do not

    auto none = parse_arguments(argv_of({}));
    REQUIRE_FALSE(none);
    CHECK(none.error().what == parse_error::kind::usage);
    CHECK_THAT(none.error().message, Contains("missing operation"));
    CHECK(none.error().exit_code() == 1);

    auto bad = args({"frobnicate"});
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message == "unknown operation 'frobnicate'");
}

TEST_CASE("required options of every operation", "[cli][options]")
{
    SECTION("getcaps needs only -u")
    {
        CHECK(full({"getcaps", "-u", "http://ca/scep"}));
        CHECK_THAT(error_of(full({"getcaps"})), Contains("missing URL (-u"));
    }
    SECTION("getca needs -u and -c")
    {
        auto ok = full({"getca", "-u", "http://ca/scep", "-c", "ca.crt"});
        REQUIRE(ok);
        CHECK(ok->ca_cert == "ca.crt");
        CHECK(ok->fingerprint == asn1::digest_algorithm::md5); // sscep's default
        CHECK(error_of(full({"getca", "-u", "http://ca/scep"})) == "getca: missing CA certificate file to write (-c)");
    }
    SECTION("getnextca needs -c and -C")
    {
        CHECK(full({"getnextca", "-u", "http://ca", "-c", "ca.crt", "-C", "chain.crt"}));
        CHECK_THAT(error_of(full({"getnextca", "-u", "http://ca", "-c", "ca.crt"})), Contains("(-C)"));
        CHECK_THAT(error_of(full({"getnextca", "-u", "http://ca", "-C", "x"})), Contains("(-c)"));
    }
    SECTION("enroll needs -c -k -r -l")
    {
        const auto ok = full({"enroll", "-u", "http://ca", "-c", "ca.crt", "-k", "l.key", "-r", "l.csr", "-l", "l.crt"});
        REQUIRE(ok);
        CHECK(ok->poll_interval == default_poll_interval);
        CHECK(ok->max_poll_time == default_max_poll_time);
        CHECK(ok->max_poll_count == default_max_poll_count);
        CHECK(error_of(full({"enroll", "-u", "http://ca", "-c", "ca.crt", "-r", "l.csr", "-l", "l.crt"}))
              == "enroll: missing private key (-k)");
        CHECK(error_of(full({"enroll", "-u", "http://ca", "-c", "ca.crt", "-k", "l.key", "-l", "l.crt"}))
              == "enroll: missing certificate request (-r)");
        CHECK_THAT(error_of(full({"enroll", "-u", "http://ca", "-c", "ca.crt", "-k", "l.key", "-r", "l.csr"})),
                   Contains("(-l)"));
        CHECK_THAT(error_of(full({"enroll", "-u", "http://ca", "-k", "l.key", "-r", "l.csr", "-l", "x"})),
                   Contains("(-c)"));
        CHECK_THAT(error_of(full({"enroll", "-c", "ca.crt", "-k", "l.key", "-r", "l.csr", "-l", "x"})),
                   Contains("missing URL"));
    }
    SECTION("enroll -m writes the request: no URL and no -l needed")
    {
        auto ok = full({"enroll", "-c", "ca.crt", "-k", "l.key", "-r", "l.csr", "-m", "req.p7"});
        REQUIRE(ok);
        CHECK(ok->request_out == "req.p7");
    }
    SECTION("enroll -K and -O go together")
    {
        CHECK_THAT(error_of(full({"enroll", "-u", "http://ca", "-c", "c", "-k", "k", "-r", "r", "-l", "l", "-K", "o.key"})),
                   Contains("-K (old key) needs -O"));
        CHECK_THAT(error_of(full({"enroll", "-u", "http://ca", "-c", "c", "-k", "k", "-r", "r", "-l", "l", "-O", "o.crt"})),
                   Contains("-O (old certificate) needs -K"));
        CHECK(full({"enroll", "-u", "http://ca", "-c", "c", "-k", "k", "-r", "r", "-l", "l", "-O", "o.crt", "-K", "o.key"}));
    }
    SECTION("getcert needs -c -k -l -s -w")
    {
        auto ok = full({"getcert", "-u", "http://ca", "-c", "c", "-k", "k", "-l", "l", "-s", "12", "-w", "out.crt"});
        REQUIRE(ok);
        CHECK(ok->serial->bytes == std::vector<std::uint8_t>{12});
        CHECK(ok->out == "out.crt");
        CHECK_THAT(error_of(full({"getcert", "-u", "http://ca", "-c", "c", "-k", "k", "-l", "l", "-w", "o"})),
                   Contains("serial number (-s)"));
        CHECK_THAT(error_of(full({"getcert", "-u", "http://ca", "-c", "c", "-k", "k", "-l", "l", "-s", "1"})),
                   Contains("(-w)"));
        CHECK_THAT(error_of(full({"getcert", "-u", "http://ca", "-c", "c", "-k", "k", "-s", "1", "-w", "o"})),
                   Contains("(-l)"));
        CHECK_THAT(error_of(full({"getcert", "-u", "http://ca", "-c", "c", "-l", "l", "-s", "1", "-w", "o"})),
                   Contains("(-k)"));
    }
    SECTION("getcrl needs -c -k -l -w")
    {
        CHECK(full({"getcrl", "-u", "http://ca", "-c", "c", "-k", "k", "-l", "l", "-w", "crl"}));
        CHECK_THAT(error_of(full({"getcrl", "-u", "http://ca", "-c", "c", "-k", "k", "-l", "l"})), Contains("(-w)"));
        CHECK_THAT(error_of(full({"getcrl", "-u", "http://ca", "-c", "c", "-l", "l", "-w", "o"})), Contains("(-k)"));
    }
    SECTION("mkrequest needs a NAME or --subject; defaults bits and prefix")
    {
        auto ok = full({"mkrequest", "-dns", "gw.example.com", "secret"});
        REQUIRE(ok);
        REQUIRE(ok->alt_names.size() == 1);
        CHECK(ok->alt_names[0] == alt_name{alt_name::kind::dns, "gw.example.com"});
        CHECK(ok->challenge == "secret");
        CHECK(ok->key_bits == default_key_bits);
        CHECK(ok->prefix == "local");
        CHECK_THAT(error_of(full({"mkrequest"})), Contains("missing -ip, -dns or -email NAME"));
        CHECK(full({"mkrequest", "--subject", "CN=x"}));
    }
    SECTION("inspect needs FILE; -k and -l together")
    {
        auto ok = full({"inspect", "reply.p7", "-k", "l.key", "-l", "l.crt", "-c", "ca.crt"});
        REQUIRE(ok);
        CHECK(ok->input_file == "reply.p7");
        CHECK(error_of(full({"inspect"})) == "inspect: missing FILE to inspect");
        CHECK_THAT(error_of(full({"inspect", "f", "-k", "k"})), Contains("-k needs -l"));
        CHECK_THAT(error_of(full({"inspect", "f", "-l", "l"})), Contains("-l needs -k"));
        CHECK_THAT(error_of(full({"inspect", "a", "b"})), Contains("unexpected argument 'b'"));
    }
    SECTION("fleet needs a manifest, an output directory, -u, and -c or --ca-fingerprint")
    {
        const std::string fp(64, 'a');
        CHECK(error_of(full({"fleet", "--out", "d", "-c", "ca"})) == "fleet: missing URL (-u, or URL in the config file)");
        CHECK(error_of(full({"fleet", "-u", "http://ca", "--out", "d", "-c", "ca"})) ==
              "fleet: missing device manifest (--manifest)");
        CHECK(error_of(full({"fleet", "-u", "http://ca", "--manifest", "m", "-c", "ca"})) ==
              "fleet: missing output directory (--out)");
        CHECK_THAT(error_of(full({"fleet", "-u", "http://ca", "--manifest", "m", "--out", "d"})),
                   Contains("-c FILE") && Contains("--ca-fingerprint"));
        auto ok = full({"fleet", "-u", "http://ca", "--manifest", "m", "-w", "d", "--ca-fingerprint", fp.c_str(),
                        "--concurrency", "8", "--rate", "2.5", "--retries", "3", "--retry-for", "1h30m",
                        "--retry-failures", "2", "-t", "1",
                        "--bits", "1024", "--jsonl", "--progress", "plain"});
        REQUIRE(ok);
        CHECK(ok->out == "d");
        CHECK(ok->concurrency == 8u);
        CHECK(ok->rate == 2.5);
        CHECK(ok->retries == 3u);
        CHECK(ok->retry_for == std::chrono::seconds(5400));
        CHECK(ok->retry_failures == 2u);
        CHECK(ok->poll_interval == std::chrono::seconds(1));
        CHECK(ok->max_poll_count == default_max_poll_count);
        CHECK(ok->key_bits == 1024u);
        CHECK(ok->jsonl);
        CHECK(ok->progress == "plain");
    }
    SECTION("fleet's own values are checked")
    {
        CHECK_THAT(error_of(args({"fleet", "--ca-fingerprint", "12:34"})), Contains("not a SHA-256 fingerprint"));
        const std::string not_hex(64, 'x');
        CHECK_THAT(error_of(args({"fleet", "--ca-fingerprint", not_hex.c_str()})), Contains("not a hex"));
        CHECK_THAT(error_of(args({"fleet", "--concurrency", "0"})), Contains("out of range"));
        CHECK_THAT(error_of(args({"fleet", "--rate", "-1"})), Contains("not a rate"));
        CHECK_THAT(error_of(args({"fleet", "--retry-for", "10 min"})), Contains("is not a duration such as"));
        CHECK(args({"fleet", "--retry-for", "45"})->retry_for == std::chrono::seconds(45)); // bare: seconds
        // enroll and renew retry within one run; 0 turns it off; the
        // operations that make no transaction do not take it.
        const auto off = args({"enroll", "-u", "http://ca/scep", "-c", "ca.crt", "-k", "k", "-r", "r", "-l", "l",
                               "--retry-for", "0"});
        REQUIRE(off);
        CHECK(off->retry_for == std::chrono::seconds(0));
        const auto by_default = args({"enroll", "-u", "http://ca/scep", "-c", "ca.crt", "-k", "k", "-r", "r", "-l", "l"});
        REQUIRE(by_default);
        CHECK_FALSE(by_default->retry_for.has_value());
        CHECK_THAT(error_of(args({"getca", "--retry-for", "1m"})), Contains("not valid for getca"));
        CHECK_THAT(error_of(args({"fleet", "--progress", "fancy"})), Contains("not auto, plain or none"));
        CHECK_THAT(error_of(args({"fleet", "--json"})), Contains("not valid for fleet"));
        CHECK_THAT(error_of(args({"enroll", "--manifest", "m"})), Contains("not valid for enroll"));
        CHECK_THAT(error_of(args({"fleet", "--renew-within", "soon"})), Contains("not a duration such as 30d"));
        CHECK_THAT(error_of(args({"fleet", "--renew-within", "-3d"})), Contains("a bare number is days"));
    }
    SECTION("fleet --renew-within takes a duration, a bare number in days; --reuse-key needs it")
    {
        auto with = [](std::initializer_list<const char*> extra) -> result<options> {
            auto v = argv_of({"fleet", "-u", "http://ca", "--manifest", "m", "--out", "d", "-c", "ca"});
            v.insert(v.end(), extra);
            auto o = parse_arguments(v);
            if (!o)
                return o.error();
            if (auto r = finalize(*o); !r)
                return r.error();
            return o;
        };
        auto days = with({"--renew-within", "3d", "--reuse-key"});
        REQUIRE(days);
        CHECK(days->renew_within == std::chrono::hours(72));
        CHECK(days->reuse_key);
        auto bare = with({"--renew-within", "2"});
        REQUIRE(bare);
        CHECK(bare->renew_within == std::chrono::hours(48));
        CHECK_FALSE(bare->reuse_key);
        CHECK(with({"--renew-within", "1d12h"})->renew_within == std::chrono::hours(36));
        CHECK_FALSE(with({})->renew_within);
        CHECK(error_of(with({"--reuse-key"})) ==
              "fleet: --reuse-key needs --renew-within (it says which key a renewal uses)");
    }
    SECTION("--help skips the checks")
    {
        auto h = full({"enroll", "--help"});
        REQUIRE(h);
        CHECK(h->help);
        CHECK_THAT(usage_text(operation::enroll), Contains("--max-poll-count"));
        CHECK_THAT(usage_text(operation::mkrequest), Contains("-ip|-dns|-email NAME"));
    }
}

TEST_CASE("options valid for one operation are usage errors for another", "[cli][options]")
{
    CHECK(error_of(args({"getca", "-k", "key"})) == "option -k is not valid for getca");
    CHECK(error_of(args({"getcaps", "-s", "1"})) == "option -s is not valid for getcaps");
    CHECK(error_of(args({"enroll", "-w", "x"})) == "option -w is not valid for enroll");
    CHECK(error_of(args({"getcrl", "--serial", "1"})) == "option --serial is not valid for getcrl");
    CHECK(error_of(args({"mkrequest", "-u", "http://x"})) == "option -u is not valid for mkrequest");
    CHECK(error_of(args({"getca", "--bits", "2048"})) == "option --bits is not valid for getca");
    CHECK(error_of(args({"getca", "-Z"})) == "unknown option -Z");
    CHECK(error_of(args({"getca", "--frob"})) == "unknown option --frob");
    CHECK(error_of(args({"getca", "extra"})) == "unexpected argument 'extra' for getca");
}

TEST_CASE("glued, separate, grouped and long arguments", "[cli][options]")
{
    auto a = args({"enroll", "-uhttp://ca/scep", "-cca.crt", "-vd", "-t5", "-kl.key", "-r", "l.csr", "-Rl", "out.crt"});
    REQUIRE(a);
    CHECK(a->url == "http://ca/scep");
    CHECK(a->ca_cert == "ca.crt");
    CHECK(a->verbose);
    CHECK(a->debug);
    CHECK(a->poll_interval == std::chrono::seconds(5));
    CHECK(a->key == "l.key");
    CHECK(a->csr == "l.csr");
    CHECK(a->resume);
    CHECK(a->local_cert == "out.crt");

    auto b = args({"enroll", "--url", "http://ca/scep", "--ca-cert=ca.crt", "--key", "k", "--csr=r",
                   "--local-cert", "l", "--max-poll-count=7", "--json", "--timeout", "30"});
    REQUIRE(b);
    CHECK(b->url == "http://ca/scep");
    CHECK(b->ca_cert == "ca.crt");
    CHECK(b->max_poll_count == 7u);
    CHECK(b->json);
    CHECK(b->timeout == std::chrono::seconds(30));

    // getopt: the next element is the value, even when it starts with '-'.
    auto c = args({"getca", "-i", "-weird-ident"});
    REQUIRE(c);
    CHECK(c->ca_identifier == "-weird-ident");

    CHECK(error_of(args({"getca", "-u"})) == "option -u needs a value");
    CHECK(error_of(args({"getca", "--url"})) == "option --url needs a value");
    CHECK(error_of(args({"getca", "--json=yes"})) == "option --json takes no value");

    // "--" ends options.
    auto d = args({"inspect", "--", "-strange-name"});
    REQUIRE(d);
    CHECK(d->input_file == "-strange-name");
}

TEST_CASE("-M is repeatable and keeps order", "[cli][options]")
{
    auto a = args({"getca", "-M", "a=1", "-Mb=two", "--query", "c=", "-M", "d=x=y"});
    REQUIRE(a);
    REQUIRE(a->query.size() == 4);
    CHECK(a->query[0] == query_parameter{"a", "1"});
    CHECK(a->query[1] == query_parameter{"b", "two"});
    CHECK(a->query[2] == query_parameter{"c", ""});
    CHECK(a->query[3] == query_parameter{"d", "x=y"});
    CHECK(error_of(args({"getca", "-M", "novalue"})) == "-M: 'novalue' is not name=value");
    CHECK(error_of(args({"getca", "-M", "=v"})) == "-M: '=v' is not name=value");
}

TEST_CASE("numbers, algorithm names and URLs are checked", "[cli][options]")
{
    CHECK(error_of(args({"enroll", "-n", "abc"})) == "-n: 'abc' is not a number");
    CHECK(error_of(args({"enroll", "-n", "-1"})) == "-n: '-1' is not a number");
    CHECK(error_of(args({"enroll", "-t", "5s"})) == "-t: '5s' is not a number");
    CHECK(error_of(args({"enroll", "-t", "0"})) == "-t: '0' is out of range (1..4294967295)");
    CHECK(error_of(args({"enroll", "-T", "99999999999"})) == "-T: '99999999999' is out of range (0..4294967295)");
    CHECK(error_of(args({"getca", "-W", ""})) == "-W: '' is not a number");
    CHECK(error_of(args({"mkrequest", "--bits", "512"})) == "--bits: '512' is out of range (1024..16384)");

    CHECK(error_of(args({"getca", "-S", "sha3"}))
          == "-S: unknown digest 'sha3' (md5, sha1, sha224, sha256, sha384, sha512)");
    CHECK(error_of(args({"getca", "-E", "rc4"}))
          == "-E: unknown cipher 'rc4' (des, 3des, blowfish, aes, aes128, aes192, aes256)");
    CHECK_THAT(error_of(args({"getca", "-F", "crc32"})), StartsWith("-F: unknown digest 'crc32'"));

    auto ok = args({"getca", "-S", "SHA256", "-E", "aes", "-F", "sha1"});
    REQUIRE(ok);
    CHECK(ok->digest == asn1::digest_algorithm::sha256);
    CHECK(ok->cipher == asn1::cipher_algorithm::aes128_cbc);
    CHECK(ok->fingerprint == asn1::digest_algorithm::sha1);
    CHECK(args({"getca", "-E", "3des"})->cipher == asn1::cipher_algorithm::des_ede3_cbc);
    CHECK(args({"getca", "-E", "blowfish"})->cipher == asn1::cipher_algorithm::blowfish_cbc);

    CHECK(error_of(args({"getca", "-u", "ca.example.com/scep"}))
          == "-u: URL 'ca.example.com/scep' must start with http:// or https://");
    CHECK(args({"getca", "-u", "HTTPS://ca.example.com/scep"}));
}

TEST_CASE("serial numbers: decimal, hex with ':', invalid", "[cli][options][serial]")
{
    using bytes = std::vector<std::uint8_t>;
    SECTION("decimal")
    {
        CHECK(parse_serial("0")->bytes == bytes{0});
        CHECK(parse_serial("255")->bytes == bytes{0xff});
        CHECK(parse_serial("256")->bytes == bytes{0x01, 0x00});
        CHECK(parse_serial("4660")->bytes == bytes{0x12, 0x34});
        CHECK(parse_serial("000012")->bytes == bytes{12});
        // 2^64 = 18446744073709551616
        CHECK(parse_serial("18446744073709551616")->bytes == bytes{1, 0, 0, 0, 0, 0, 0, 0, 0});
        CHECK(parse_serial("18446744073709551616")->to_decimal() == "18446744073709551616");
    }
    SECTION("hex with ':', 0x, and bare hex with letters (as sscep)")
    {
        CHECK(parse_serial("12:34")->bytes == bytes{0x12, 0x34});
        CHECK(parse_serial("00:ff:A0")->bytes == bytes{0xff, 0xa0});
        CHECK(parse_serial("1:2")->bytes == bytes{0x01, 0x02});
        CHECK(parse_serial("0x1234")->bytes == bytes{0x12, 0x34});
        CHECK(parse_serial("0xabc")->bytes == bytes{0x0a, 0xbc});
        CHECK(parse_serial("1a2b")->bytes == bytes{0x1a, 0x2b});
        CHECK(parse_serial("12:34")->to_decimal() == "4660");
        CHECK(parse_serial("4660")->to_hex() == "12:34");
        CHECK(parse_serial("0")->to_hex() == "00");
    }
    SECTION("invalid")
    {
        for (const char* bad : {"", "12:", ":12", "1::2", "123:4", "zz", "-5", "12 34", "0x", "0xzz", "1.5", "12:3g"}) {
            INFO(bad);
            auto r = parse_serial(bad);
            REQUIRE_FALSE(r);
            CHECK(r.error().what == parse_error::kind::usage);
        }
        CHECK_FALSE(parse_serial(std::string(129, 'f'))); // 65 bytes
        auto too_long = parse_serial(std::string(130, 'f'));
        REQUIRE_FALSE(too_long);
        CHECK_THAT(too_long.error().message, Contains("longer than 64 bytes"));
        CHECK(parse_serial(std::string(128, 'f'))->bytes.size() == 64);
        CHECK(error_of(args({"getcert", "-s", "x1"}))
              == "-s: serial number 'x1' is neither decimal nor hex bytes separated by ':'");
    }
}

TEST_CASE("mkrequest: -ip|-dns|-email NAME [challenge], --subject, --bits, --prefix", "[cli][options]")
{
    auto a = full({"mkrequest", "-ip", "192.0.2.7", "-dns", "gw.example.com", "-email", "ops@example.com", "s3cret",
                   "--subject", "CN=gw,O=Example\\, Inc.", "--bits", "3072", "--prefix", "gw"});
    REQUIRE(a);
    REQUIRE(a->alt_names.size() == 3);
    CHECK(a->alt_names[0] == alt_name{alt_name::kind::ip, "192.0.2.7"});
    CHECK(a->alt_names[1] == alt_name{alt_name::kind::dns, "gw.example.com"});
    CHECK(a->alt_names[2] == alt_name{alt_name::kind::email, "ops@example.com"});
    CHECK(a->challenge == "s3cret");
    REQUIRE(a->subject.size() == 2);
    CHECK(a->subject[0] == subject_attribute{"CN", "gw"});
    CHECK(a->subject[1] == subject_attribute{"O", "Example, Inc."});
    CHECK(a->key_bits == 3072u);
    CHECK(a->prefix == "gw");

    CHECK(full({"mkrequest", "--ip", "2001:db8::1"}));
    CHECK(error_of(args({"mkrequest", "-ip", "300.1.1.1"})) == "-ip: '300.1.1.1' is not an IPv4 or IPv6 address");
    CHECK(error_of(args({"mkrequest", "-email", "nobody"})) == "-email: 'nobody' is not an email address");
    CHECK(error_of(args({"mkrequest", "-dns"})) == "option -dns needs a value");
    CHECK_THAT(error_of(args({"mkrequest", "--subject", "CN"})), Contains("is not TYPE=value"));
    CHECK_THAT(error_of(args({"mkrequest", "-dns", "a", "one", "two"})), Contains("unexpected argument 'two'"));
}

TEST_CASE("finalize: -d implies -v", "[cli][options]")
{
    auto a = full({"getcaps", "-u", "http://ca", "-d"});
    REQUIRE(a);
    CHECK(a->verbose);
    CHECK(a->debug);
}

TEST_CASE("renew: -k -l -c --within required; --within is a duration; renew's options only for renew", "[cli][options]")
{
    CHECK(parse_operation("renew") == operation::renew);
    const std::vector<const char*> base{"renew", "-u", "http://ca/scep", "-c", "ca.crt", "-k", "dev.key", "-l",
                                        "dev.crt"};
    auto with = [&](std::vector<const char*> extra) {
        auto a = base;
        a.insert(a.end(), extra.begin(), extra.end());
        std::vector<const char*> argv{"ascep"};
        argv.insert(argv.end(), a.begin(), a.end());
        auto o = parse_arguments(argv);
        if (o) {
            if (auto r = finalize(*o); !r)
                return result<options>(r.error());
        }
        return o;
    };
    auto ok = with({"--within", "30d", "--reuse-key", "--bits", "3072", "-R", "-t", "5"});
    REQUIRE(ok);
    CHECK(ok->renew_within == std::chrono::seconds(30 * 86400));
    CHECK(ok->reuse_key);
    CHECK(ok->key_bits == 3072u);
    CHECK(ok->resume);
    CHECK(ok->max_poll_count == default_max_poll_count); // defaults as for enroll
    CHECK(with({"--within", "12h"})->renew_within == std::chrono::hours(12));
    CHECK(with({"--within", "7"})->renew_within == std::chrono::hours(7 * 24)); // a bare number is days
    CHECK_FALSE(with({"--within", "30d"})->key_bits); // default: the old key's size

    CHECK_THAT(error_of(with({})), Contains("renew: missing renewal window (--within DURATION"));
    CHECK_THAT(error_of(with({"--within", "soon"})),
               Contains("--within: 'soon' is not a duration such as 30d, 12h, 90m or 1d12h"));
    CHECK_THAT(error_of(full({"renew", "-u", "http://ca/scep", "-c", "ca.crt", "-k", "k", "--within", "1d"})),
               Contains("missing certificate to renew (-l)"));
    CHECK_THAT(error_of(with({"--within", "1d", "-r", "dev.csr"})), Contains("option -r is not valid for renew"));
    CHECK_THAT(error_of(full({"enroll", "--reuse-key"})), Contains("option --reuse-key is not valid for enroll"));
    CHECK_THAT(error_of(full({"enroll", "--within", "1d"})), Contains("option --within is not valid for enroll"));
}

TEST_CASE("fleet --shard K/N and --challenge-file", "[cli][options]")
{
    auto a = full({"fleet", "--manifest", "m.csv", "--out", "o", "-u", "http://ca", "-c", "ca.crt", "--shard", "3/8",
                   "--challenge-file", "pw.txt"});
    REQUIRE(a);
    REQUIRE(a->shard);
    CHECK(*a->shard == fleet::shard_spec{3, 8});
    CHECK(a->challenge_file == "pw.txt");
    CHECK(a->challenge.empty());

    CHECK(error_of(args({"fleet", "--shard", "8/8"})) == "--shard: '8/8': K must be 0..7 (shards count from 0)");
    CHECK_THAT(error_of(args({"fleet", "--shard", "x"})), StartsWith("--shard: 'x' is not K/N"));
    CHECK_THAT(error_of(args({"fleet", "--shard", "1/0"})), StartsWith("--shard: '1/0': N must be"));
    CHECK(error_of(args({"enroll", "--shard", "0/2"})) == "option --shard is not valid for enroll");

    // The file and an argv value contradict each other.
    CHECK_THAT(error_of(full({"fleet", "--manifest", "m.csv", "--out", "o", "-u", "http://ca", "-c", "ca.crt",
                              "--challenge-file", "pw.txt", "--challenge", "x"})),
               Contains("not both"));
    CHECK_THAT(error_of(full({"mkrequest", "-dns", "a", "--challenge-file", "pw.txt", "positional"})),
               Contains("not both"));
    CHECK(full({"mkrequest", "-dns", "a", "--challenge-file", "pw.txt"}));
}

TEST_CASE("--key-pass: file:, env:, fd: for every operation that reads or writes a key; pass: refused", "[cli][options]")
{
    for (const char* op : {"enroll", "getcert", "getcrl", "mkrequest", "inspect", "renew", "fleet"}) {
        INFO(op);
        auto a = args({op, "--key-pass", "file:/etc/ascep/pw"});
        REQUIRE(a);
        CHECK(a->key_pass == "file:/etc/ascep/pw");
    }
    CHECK(args({"enroll", "--key-pass", "env:KEY_PW"})->key_pass == "env:KEY_PW");
    CHECK(args({"enroll", "--key-pass=fd:3"})->key_pass == "fd:3");
    CHECK(error_of(args({"getca", "--key-pass", "fd:3"})) == "option --key-pass is not valid for getca");

    const auto refused = error_of(args({"enroll", "--key-pass", "pass:hunter2"}));
    CHECK_THAT(refused, StartsWith("--key-pass: pass:PASSPHRASE is refused"));
    CHECK_THAT(refused, Contains("/proc/PID/cmdline"));
    CHECK_THAT(refused, !Contains("hunter2"));
    CHECK_THAT(error_of(args({"enroll", "--key-pass", "secret"})), Contains("is not file:PATH, env:VAR or fd:N"));
    CHECK_THAT(error_of(args({"enroll", "--key-pass", "fd:three"})), Contains("fd: needs a descriptor number"));
}

TEST_CASE("parse: proxy credentials on argv are warned about, a plain proxy is not", "[cli][options]")
{
    auto with = parse(argv_of({"getcaps", "-u", "http://ca", "-p", "u:p@proxy:3128"}));
    REQUIRE(with);
    REQUIRE(with->warnings.size() == 1);
    CHECK_THAT(with->warnings[0], StartsWith("-p: the proxy's user name and password on the command line"));
    auto without = parse(argv_of({"getcaps", "-u", "http://ca", "-p", "proxy:3128"}));
    REQUIRE(without);
    CHECK(without->warnings.empty());
}

TEST_CASE("token keys: -g pkcs11 makes -k/-K token keys, other engines are usage errors", "[cli][options]")
{
    auto g = full({"enroll", "-g", "pkcs11", "-u", "http://ca/scep", "-c", "ca.crt", "-k", "label_dev", "-K",
                   "pkcs11:token=gw;object=old", "-O", "old.crt", "-r", "dev.csr", "-l", "dev.crt",
                   "--pkcs11-module", "/m.so", "--pin-file", "pin", "--store-cert"});
    REQUIRE(g);
    CHECK(g->key == "pkcs11:object=dev");
    CHECK(g->old_key == "pkcs11:token=gw;object=old");
    CHECK(g->pkcs11_module == "/m.so");
    CHECK(g->pin_file == "pin");
    CHECK(g->store_cert);
    for (const char* engine : {"capi", "JKSEngine", "tpm2tss", "dynamic"}) {
        const auto e = args({"enroll", "-g", engine});
        REQUIRE_FALSE(e);
        CHECK(e.error().what == parse_error::kind::usage);
        CHECK_THAT(e.error().message, Contains("is not supported"));
        CHECK_THAT(e.error().message, Contains("-g pkcs11"));
        CHECK_THAT(e.error().message, Contains("pkcs11:token="));
    }
    CHECK_THAT(error_of(args({"getcaps", "--pin-file", "x"})), Contains("--pin-file"));
    CHECK(error_of(args({"enroll", "--pin-file", ""})) == "--pin-file: empty value");
}

TEST_CASE("mkrequest: -k and -r, defaulted from --prefix; --replace-key", "[cli][options]")
{
    auto d = full({"mkrequest", "-dns", "gw", "--prefix", "gw"});
    REQUIRE(d);
    CHECK(d->key == "gw.key");
    CHECK(d->csr == "gw.csr");
    auto k = full({"mkrequest", "-dns", "gw", "-k", "pkcs11:token=t;object=gw", "-r", "gw.req", "--replace-key"});
    REQUIRE(k);
    CHECK(k->key == "pkcs11:token=t;object=gw");
    CHECK(k->csr == "gw.req");
    CHECK(k->replace_key);
}
