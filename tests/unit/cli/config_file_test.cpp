#include "cli/config_file.hpp"
#include "keys/pkcs11_uri.hpp"

#include "cli_test_util.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

using namespace ascep;
using namespace ascep::cli;
using namespace ascep::cli::test;
using Catch::Matchers::Contains;

namespace {

/// Parses `text` as a config file for the command line `a`, like parse() does
/// with -f, without touching the disk.
struct applied {
    result<options> opts = usage_error("not run");
    std::vector<std::string> warnings;
};

applied apply_text(std::string_view text, std::initializer_list<const char*> a)
{
    applied out;
    auto o = parse_arguments(argv_of(a));
    if (!o) {
        out.opts = o.error();
        return out;
    }
    auto file = parse_config(text, "test.conf");
    if (!file) {
        out.opts = file.error();
        return out;
    }
    out.warnings = file->warnings;
    if (auto r = apply_config(*file, *o, out.warnings); !r) {
        out.opts = r.error();
        return out;
    }
    out.opts = std::move(*o);
    return out;
}

std::string source_file(std::string_view rel)
{
    return std::string(ASCEP_SOURCE_DIR) + "/" + std::string(rel);
}

} // namespace

TEST_CASE("flat format: keys, quotes, escapes, comments, blank lines", "[cli][config]")
{
    const char* text = "# a comment\n"
                       "\n"
                       "   # an indented comment\n"
                       "URL http://ca.example/cgi-bin/pkiclient.exe\n"
                       "CAIdentifier \"My \\\"quoted\\\" CA\"\n"
                       "CACertFile\t\"/path with spaces/ca.crt\"   # trailing comment\r\n"
                       "Verbose yes\n"
                       "FingerPrint sha256\n";
    auto file = parse_config(text, "t.conf");
    REQUIRE(file);
    CHECK(file->format == config_format::flat);
    REQUIRE(file->entries.size() == 5);
    CHECK(file->entries[0].key == "URL");
    CHECK(file->entries[0].line == 4);
    CHECK(file->entries[1].value == "My \"quoted\" CA");
    CHECK(file->entries[2].value == "/path with spaces/ca.crt");
    CHECK(file->warnings.empty());

    auto a = apply_text(text, {"getca"});
    REQUIRE(a.opts);
    CHECK(a.opts->url == "http://ca.example/cgi-bin/pkiclient.exe");
    CHECK(a.opts->ca_identifier == "My \"quoted\" CA");
    CHECK(a.opts->ca_cert == "/path with spaces/ca.crt");
    CHECK(a.opts->verbose);
    CHECK(a.opts->fingerprint == asn1::digest_algorithm::sha256);
    CHECK(a.warnings.empty());
}

TEST_CASE("flat format: tolerated forms, warnings and errors with line numbers", "[cli][config]")
{
    SECTION("Key = Value and Key=Value are read too")
    {
        auto a = apply_text("URL = http://a/\nProxy=p:8080\n", {"getcaps"});
        REQUIRE(a.opts);
        CHECK(a.opts->url == "http://a/");
        CHECK(a.opts->proxy == "p:8080");
    }
    SECTION("the first value of a key wins, as in sscep")
    {
        auto a = apply_text("URL http://first/\nURL http://second/\n", {"getcaps"});
        REQUIRE(a.opts);
        CHECK(a.opts->url == "http://first/");
    }
    SECTION("text after an unquoted value is a warning")
    {
        auto a = apply_text("\nCAIdentifier My CA\n", {"getca"});
        REQUIRE(a.opts);
        CHECK(a.opts->ca_identifier == "My");
        REQUIRE(a.warnings.size() == 1);
        CHECK_THAT(a.warnings[0], Contains("test.conf:2: text after the value of 'CAIdentifier' is ignored"));
    }
    SECTION("unknown keys are a warning, not an error")
    {
        auto a = apply_text("Frobnicate 1\nURL http://a/\n", {"getcaps"});
        REQUIRE(a.opts);
        REQUIRE(a.warnings.size() == 1);
        CHECK(a.warnings[0] == "test.conf:1: unknown key 'Frobnicate' ignored");
    }
    SECTION("syntax errors carry the line")
    {
        auto missing = parse_config("URL http://a/\n\nCACertFile\n", "x.conf");
        REQUIRE_FALSE(missing);
        CHECK(missing.error().what == parse_error::kind::config_file);
        CHECK(missing.error().file == "x.conf");
        CHECK(missing.error().line == 3);
        CHECK(missing.error().message == "x.conf:3: 'CACertFile' has no value");
        CHECK(missing.error().exit_code() == 93);

        auto unterminated = parse_config("# c\nCAIdentifier \"open\n", "x.conf");
        REQUIRE_FALSE(unterminated);
        CHECK(unterminated.error().message == "x.conf:2: unterminated quoted value for 'CAIdentifier'");
    }
    SECTION("bad values carry the line and the key")
    {
        auto a = apply_text("URL http://a/\nMaxPollCount lots\n", {"enroll"});
        REQUIRE_FALSE(a.opts);
        CHECK(a.opts.error().message == "test.conf:2: MaxPollCount: 'lots' is not a number");
        CHECK(a.opts.error().line == 2);
        CHECK(a.opts.error().exit_code() == 93);

        auto b = apply_text("Verbose maybe\n", {"getcaps"});
        REQUIRE_FALSE(b.opts);
        CHECK(b.opts.error().message == "test.conf:1: Verbose: 'maybe' is not yes/no, true/false or 1/0");

        auto c = apply_text("\n\n\nSigAlgorithm sha3\n", {"getca"});
        REQUIRE_FALSE(c.opts);
        CHECK_THAT(c.opts.error().message, Contains("test.conf:4: SigAlgorithm: unknown digest 'sha3'"));

        auto d = apply_text("GetCertSerial 12:zz\n", {"getcert"});
        REQUIRE_FALSE(d.opts);
        CHECK_THAT(d.opts.error().message, Contains("test.conf:1: GetCertSerial: serial number '12:zz'"));
    }
    SECTION("keys for other operations are skipped, not checked")
    {
        auto a = apply_text("MaxPollCount lots\nPrivateKeyFile k\nURL http://a/\n", {"getca"});
        REQUIRE(a.opts);
        CHECK(a.opts->key.empty());
        CHECK(a.warnings.empty());
    }
    SECTION("GetCertFile and GetCrlFile fill -w only for their operation")
    {
        const char* text = "GetCertFile cert.out\nGetCrlFile crl.out\n";
        CHECK(apply_text(text, {"getcert"}).opts->out == "cert.out");
        CHECK(apply_text(text, {"getcrl"}).opts->out == "crl.out");
        CHECK(apply_text(text, {"getnextca"}).opts->out.empty());
    }
}

TEST_CASE("yes/true/1 and no/false/0", "[cli][config]")
{
    for (const char* t : {"yes", "true", "1", "TRUE", "Yes"}) {
        INFO(t);
        auto a = apply_text(std::string("Debug ") + t + "\n", {"getcaps"});
        REQUIRE(a.opts);
        CHECK(a.opts->debug);
    }
    for (const char* f : {"no", "false", "0", "FALSE"}) {
        INFO(f);
        auto a = apply_text(std::string("Debug ") + f + "\n", {"getcaps"});
        REQUIRE(a.opts);
        CHECK_FALSE(a.opts->debug);
    }
}

TEST_CASE("command line wins over the config file", "[cli][config]")
{
    const char* text = "URL http://file/\nCACertFile file.crt\nPollInterval 10\nEncAlgorithm des\nVerbose no\n"
                       "PrivateKeyFile file.key\n";
    auto a = apply_text(text, {"enroll", "-u", "http://cli/", "-t", "99", "-E", "aes256", "-v"});
    REQUIRE(a.opts);
    CHECK(a.opts->url == "http://cli/");
    CHECK(a.opts->poll_interval == std::chrono::seconds(99));
    CHECK(a.opts->cipher == asn1::cipher_algorithm::aes256_cbc);
    CHECK(a.opts->verbose);              // the file's "no" does not undo -v
    CHECK(a.opts->ca_cert == "file.crt"); // not on the command line: from the file
    CHECK(a.opts->key == "file.key");

    SECTION("-M on the command line replaces the file's MonitorInformation")
    {
        auto m = apply_text("MonitorInformation a=1&b=2\n", {"getca", "-M", "c=3"});
        REQUIRE(m.opts);
        REQUIRE(m.opts->query.size() == 1);
        CHECK(m.opts->query[0] == query_parameter{"c", "3"});
        auto f = apply_text("MonitorInformation a=1&b=2\n", {"getca"});
        REQUIRE(f.opts);
        CHECK(f.opts->query == std::vector<query_parameter>{{"a", "1"}, {"b", "2"}});
    }
    SECTION("a bad value in the file is reported even when the command line overrides it")
    {
        auto b = apply_text("URL http://a/\nEncAlgorithm rot13\n", {"getca", "-E", "aes"});
        REQUIRE_FALSE(b.opts);
        CHECK_THAT(b.opts.error().message, Contains("test.conf:2: EncAlgorithm"));
    }
}

TEST_CASE("sectioned format (sscep 0.10)", "[cli][config]")
{
    const char* text = "# sample\n"
                       "[sscep]\n"
                       "URL = http://generic/scep\n"
                       "CAIdentifier = generic-ident\n"
                       "Verbose = true\n"
                       "engine = my_engine\n"
                       "EncAlgorithm = des\n"
                       "\n"
                       "[ sscep_getca ]   # spaces inside brackets are fine\n"
                       "CAIdentifier = \"Getca \\\"special\\\" CA\"  # comment after the value\n"
                       "FingerPrint = 'sha1'\n"
                       "\n"
                       "[sscep_enroll]\n"
                       "PrivateKeyFile = a\\#b.key\n"
                       "MaxPollCount = 5\n"
                       "MaxPollCount = 6\n"
                       "Resume = yes\n"
                       "\n"
                       "[sscep_getcert]\n"
                       "GetCertSerial = zz-not-a-serial\n"
                       "Typo = 1\n"
                       "\n"
                       "[my_engine]\n"
                       "engine_id = pkcs11\n"
                       "[sscep_engine_pkcs11]\n"
                       "MODULE_PATH = /usr/lib/softhsm/libsofthsm2.so\n"
                       "[elsewhere]\n"
                       "x = 1\n"
                       "y = 2\n";
    auto file = parse_config(text, "s.conf");
    REQUIRE(file);
    CHECK(file->format == config_format::sectioned);

    SECTION("getca: [sscep] plus [sscep_getca], which wins")
    {
        auto a = apply_text(text, {"getca"});
        REQUIRE(a.opts);
        CHECK(a.opts->url == "http://generic/scep");
        CHECK(a.opts->ca_identifier == "Getca \"special\" CA");
        CHECK(a.opts->fingerprint == asn1::digest_algorithm::sha1);
        CHECK(a.opts->verbose);
        CHECK(a.opts->cipher == asn1::cipher_algorithm::des_cbc);
        CHECK(a.opts->key.empty()); // [sscep_enroll] is not for getca
        // The unknown key in another operation's section and the unknown
        // section are warnings; the pkcs11 engine sets the module.
        REQUIRE(a.warnings.size() == 2);
        CHECK(a.warnings[0] == "test.conf:21: unknown key 'Typo' ignored");
        CHECK(a.warnings[1] == "test.conf:28: unknown section [elsewhere] ignored");
        CHECK(a.opts->engine == "pkcs11");
        CHECK(a.opts->pkcs11_module == "/usr/lib/softhsm/libsofthsm2.so");
    }
    SECTION("enroll: escapes, the last value of a key wins, booleans")
    {
        auto a = apply_text(text, {"enroll"});
        REQUIRE(a.opts);
        CHECK(a.opts->key == "a#b.key");
        CHECK(a.opts->max_poll_count == 6u);
        CHECK(a.opts->resume);
        CHECK(a.opts->ca_identifier.empty()); // -i is not an enroll option
    }
    SECTION("getcert: a bad value in its section is an error with the line")
    {
        auto a = apply_text(text, {"getcert"});
        REQUIRE_FALSE(a.opts);
        CHECK(a.opts.error().line == 20);
        CHECK_THAT(a.opts.error().message, Contains("test.conf:20: GetCertSerial: serial number 'zz-not-a-serial'"));
    }
    SECTION("command line wins over both sections")
    {
        auto a = apply_text(text, {"getca", "-i", "cli-ident", "-u", "http://cli/"});
        REQUIRE(a.opts);
        CHECK(a.opts->ca_identifier == "cli-ident");
        CHECK(a.opts->url == "http://cli/");
    }
    SECTION("empty values are not set (sscep's sample file has 'URL =')")
    {
        auto a = apply_text("[sscep]\nURL =\nProxy = \"\"\n", {"getcaps", "-u", "http://x/"});
        REQUIRE(a.opts);
        CHECK(a.opts->proxy.empty());
    }
    SECTION("keys before the first section count as [sscep]")
    {
        auto a = apply_text("URL = http://top/\n[sscep_getca]\nCACertFile = c\n", {"getca"});
        REQUIRE(a.opts);
        CHECK(a.opts->url == "http://top/");
        CHECK(a.opts->ca_cert == "c");
    }
}

TEST_CASE("sectioned format: syntax errors with line numbers", "[cli][config]")
{
    struct bad_case {
        const char* text;
        const char* message;
    };
    for (const auto& c : {
             bad_case{"[sscep]\nURL http://a/\n", "b.conf:2: expected 'Key = Value' or '[section]'"},
             bad_case{"[sscep\n", "b.conf:1: missing ']' in section header"},
             bad_case{"[sscep]\n[]\n", "b.conf:2: empty section name"},
             bad_case{"[sscep] junk\n", "b.conf:1: unexpected text after ']'"},
             bad_case{"[sscep]\n = v\n", "b.conf:2: missing key before '='"},
             bad_case{"[sscep]\n\nURL = \"http://a/\n", "b.conf:3: unterminated quoted value for 'URL'"},
             bad_case{"[sscep]\nURL = http://a/\\\n", "b.conf:2: 'URL': a value ending in '\\' (line continuation) is not supported"},
         }) {
        INFO(c.text);
        auto r = parse_config(c.text, "b.conf");
        REQUIRE_FALSE(r);
        CHECK(r.error().message == c.message);
        CHECK(r.error().exit_code() == 93);
    }
}

TEST_CASE("the sample config files parse to the documented options", "[cli][config]")
{
    SECTION("conf/sscep.conf (flat)")
    {
        const auto path = source_file("conf/sscep.conf");
        auto file = read_config_file(path);
        REQUIRE(file);
        CHECK(file->format == config_format::flat);
        CHECK(file->warnings.empty());

        const auto p = path.c_str();
        auto enroll = parse(argv_of({"enroll", "-f", p}));
        REQUIRE(enroll);
        CHECK(enroll->warnings.empty());
        const auto& e = enroll->opts;
        CHECK(e.url == "http://ca.example.com/cgi-bin/pkiclient.exe");
        CHECK(e.proxy == "proxy.example.com:3128");
        CHECK(e.ca_cert == "ca.crt");
        CHECK(e.cipher == asn1::cipher_algorithm::aes128_cbc);
        CHECK(e.digest == asn1::digest_algorithm::sha256);
        CHECK(e.key == "local.key");
        CHECK(e.csr == "local.csr");
        CHECK(e.local_cert == "local.crt");
        CHECK(e.enc_cert == "enc.crt");
        CHECK(e.old_cert == "old.crt");
        CHECK(e.old_key == "old.key");
        CHECK(e.self_signed_out == "selfsigned.crt");
        CHECK(e.poll_interval == std::chrono::seconds(60));
        CHECK(e.max_poll_time == std::chrono::seconds(28800));
        CHECK(e.max_poll_count == 256u);
        CHECK(e.verbose);
        CHECK_FALSE(e.debug);

        auto getca = parse(argv_of({"getca", "-f", p}));
        REQUIRE(getca);
        CHECK(getca->opts.ca_identifier == "Example \"Issuing\" CA");
        CHECK(getca->opts.fingerprint == asn1::digest_algorithm::sha256);

        auto getcert = parse(argv_of({"getcert", "-f", p}));
        REQUIRE(getcert);
        CHECK(getcert->opts.serial->bytes == std::vector<std::uint8_t>{0x01, 0x2a});
        CHECK(getcert->opts.out == "cert.crt");

        auto getcrl = parse(argv_of({"getcrl", "-f", p}));
        REQUIRE(getcrl);
        CHECK(getcrl->opts.out == "crl.crl");
    }
    SECTION("conf/sscep-sectioned.conf (sscep 0.10)")
    {
        const auto path = source_file("conf/sscep-sectioned.conf");
        const auto p = path.c_str();
        auto getca = parse(argv_of({"getca", "-f", p}));
        REQUIRE(getca);
        CHECK(getca->warnings.empty());
        const auto& g = getca->opts;
        CHECK(g.url == "http://ca.example.com/scep");
        CHECK(g.proxy == "proxy.example.com:3128");
        CHECK(g.ca_cert == "ca.crt");
        CHECK(g.cipher == asn1::cipher_algorithm::aes256_cbc);
        CHECK(g.digest == asn1::digest_algorithm::sha512);
        CHECK(g.query == std::vector<query_parameter>{{"site", "lab"}, {"rack", "4"}});
        CHECK(g.verbose);
        CHECK_FALSE(g.debug);
        CHECK(g.ca_identifier == "Example \"Issuing\" CA");
        CHECK(g.fingerprint == asn1::digest_algorithm::sha1);

        auto next = parse(argv_of({"getnextca", "-f", p}));
        REQUIRE(next);
        CHECK(next->opts.ca_identifier == "next-ca");
        CHECK(next->opts.chain_out == "nextca-chain.crt");
        CHECK(next->opts.out == "nextca-signer.crt");
        CHECK(next->opts.fingerprint == asn1::digest_algorithm::sha256);

        auto enroll = parse(argv_of({"enroll", "-f", p}));
        REQUIRE(enroll);
        const auto& e = enroll->opts;
        CHECK(e.key == "local.key");
        CHECK(e.csr == "local.csr");
        CHECK(e.old_key == "old.key");
        CHECK(e.old_cert == "old.crt");
        CHECK(e.local_cert == "local.crt");
        CHECK(e.enc_cert == "enc.crt");
        CHECK(e.self_signed_out == "selfsigned.crt");
        CHECK(e.poll_interval == std::chrono::seconds(30));
        CHECK(e.max_poll_time == std::chrono::seconds(3600));
        CHECK(e.max_poll_count == 100u);
        CHECK_FALSE(e.resume);
        CHECK(e.cipher == asn1::cipher_algorithm::des_ede3_cbc); // [sscep_enroll] wins over [sscep]

        auto getcert = parse(argv_of({"getcert", "-f", p}));
        REQUIRE(getcert);
        CHECK(getcert->opts.serial->to_decimal() == "4660");
        CHECK(getcert->opts.out == "cert.crt");

        auto getcrl = parse(argv_of({"getcrl", "-f", p}));
        REQUIRE(getcrl);
        CHECK(getcrl->opts.out == "crl.crl");
    }
    SECTION("conf/sscep-pkcs11.conf: a token key through sscep's pkcs11 engine section")
    {
        const auto path = source_file("conf/sscep-pkcs11.conf");
        auto enroll = parse(argv_of({"enroll", "-f", path.c_str()}));
        REQUIRE(enroll);
        CHECK(enroll->warnings.empty());
        CHECK(enroll->opts.engine == "pkcs11");
        CHECK(enroll->opts.pkcs11_module == "/usr/lib/softhsm/libsofthsm2.so");
        CHECK(enroll->opts.key == "pkcs11:object=device");
        CHECK(enroll->opts.config_pin.empty());
    }
}

TEST_CASE("parse(): file errors exit 93, usage errors 1", "[cli][config]")
{
    ascep::test::temp_dir dir;
    SECTION("unreadable file")
    {
        const auto missing = dir.file("nope.conf").string();
        auto r = parse(argv_of({"getca", "-f", missing.c_str()}));
        REQUIRE_FALSE(r);
        CHECK(r.error().what == parse_error::kind::config_file);
        CHECK(r.error().exit_code() == 93);
        CHECK(r.error().line == 0);
        CHECK_THAT(r.error().message, Contains("nope.conf: cannot open config file"));
    }
    SECTION("the file supplies required options")
    {
        const auto path = dir.write("a.conf", "URL http://ca/\nCACertFile ca.crt\n").string();
        auto r = parse(argv_of({"getca", "-f", path.c_str()}));
        REQUIRE(r);
        CHECK(r->opts.url == "http://ca/");
        CHECK(r->opts.config_file == path);
    }
    SECTION("still missing after the file: a usage error")
    {
        const auto path = dir.write("b.conf", "URL http://ca/\n").string();
        auto r = parse(argv_of({"getca", "-f", path.c_str()}));
        REQUIRE_FALSE(r);
        CHECK(r.error().exit_code() == 1);
        CHECK_THAT(r.error().message, Contains("(-c)"));
    }
    SECTION("a syntax error names the file and line")
    {
        const auto path = dir.write("c.conf", "[sscep]\nURL = http://ca/\nbroken line\n").string();
        auto r = parse(argv_of({"getca", "-f", path.c_str(), "-c", "x"}));
        REQUIRE_FALSE(r);
        CHECK(r.error().exit_code() == 93);
        CHECK(r.error().message == path + ":3: expected 'Key = Value' or '[section]'");
    }
    SECTION("too large")
    {
        const auto path = dir.write("big.conf", std::string(max_config_file_size + 10, '#')).string();
        auto r = read_config_file(path);
        REQUIRE_FALSE(r);
        CHECK_THAT(r.error().message, Contains("larger than"));
    }
}

TEST_CASE("sscep 0.10 engine sections: pkcs11 with MODULE_PATH and PIN; other engines are errors", "[cli][config]")
{
    const std::string head = "[sscep]\nURL = http://ca/scep\nengine = e\n[sscep_enroll]\nPrivateKeyFile = dev\n";
    SECTION("engine_id pkcs11: -g pkcs11, the module, the PIN with a warning, -k as a label URI")
    {
        const auto text = head + "[e]\nengine_id = pkcs11\nMODULE_PATH = /m.so\n[sscep_engine_pkcs11]\nPIN = 1234\n";
        auto a = apply_text(text, {"enroll"});
        REQUIRE(a.opts);
        CHECK(a.opts->engine == "pkcs11");
        CHECK(a.opts->pkcs11_module == "/m.so");
        CHECK(std::string(a.opts->config_pin.begin(), a.opts->config_pin.end()) == "1234");
        REQUIRE(a.warnings.size() == 1);
        CHECK_THAT(a.warnings[0], Contains("test.conf:10: a PIN in the config file is used; a PIN file is safer"));
        CHECK(a.warnings[0].find("1234") == std::string::npos);
        CHECK(as_pkcs11_uri(a.opts->key) == "pkcs11:object=dev");
    }
    SECTION("the command line's module wins over MODULE_PATH")
    {
        const auto text = head + "[e]\nengine_id = pkcs11\nMODULE_PATH = /m.so\n";
        auto a = apply_text(text, {"enroll", "--pkcs11-module", "/cli.so"});
        REQUIRE(a.opts);
        CHECK(a.opts->pkcs11_module == "/cli.so");
    }
    for (const char* id : {"capi", "JKSEngine", "tpm2tss"}) {
        DYNAMIC_SECTION("engine_id " << id << " is an error naming the PKCS#11 way")
        {
            auto a = apply_text(head + "[e]\nengine_id = " + id + "\n", {"enroll"});
            REQUIRE_FALSE(a.opts);
            CHECK(a.opts.error().line == 7);
            CHECK_THAT(a.opts.error().message, Contains("OpenSSL engines are not supported"));
            CHECK_THAT(a.opts.error().message, Contains("engine_id = pkcs11"));
            CHECK_THAT(a.opts.error().message, Contains("pkcs11:token="));
        }
    }
    SECTION("an engine section without engine_id")
    {
        auto a = apply_text(head, {"enroll"});
        REQUIRE_FALSE(a.opts);
        CHECK_THAT(a.opts.error().message, Contains("no engine_id"));
    }
}

TEST_CASE("-g pkcs11 names: URIs stay, labels and ids become URIs", "[cli]")
{
    CHECK(as_pkcs11_uri("pkcs11:token=a;object=b") == "pkcs11:token=a;object=b");
    CHECK(as_pkcs11_uri("label_my key") == "pkcs11:object=my%20key");
    std::string why;
    const auto id = keys::pkcs11_uri::parse(as_pkcs11_uri("id_01ab"), why);
    REQUIRE(id);
    CHECK(id->id() == std::vector<std::uint8_t>{0x01, 0xab});
    CHECK(as_pkcs11_uri("device") == "pkcs11:object=device");
    CHECK(as_pkcs11_uri("") == "");
}
