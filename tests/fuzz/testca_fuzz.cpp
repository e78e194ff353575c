// libFuzzer target for the test CA's request handling: testca::service::handle,
// what server.cpp calls with every HTTP request it reads, against a fixed CA
// state (fuzz_scep.hpp's testca_world) in a private temporary directory.
//
// Input: "METHOD TARGET\n" then the body, e.g.
//   "POST /scep?operation=PKIOperation\n<DER pkiMessage>"
//   "GET /scep?operation=PKIOperation&message=<base64>\n"
// A seed corpus of real client requests (make_scep_corpus) lets the fuzzer
// get past the signature and the envelope into the CA's policy and issuance.
//
// The service answers bad input with 4xx; it throws only std::bad_alloc, so
// anything escaping handle() is a crash. A 500 means "the state directory
// failed us", which never happens here: it is a crash too.
//
// The state directory is put back as it was after each input, so every input
// meets the same CA (one pending transaction, one issued certificate) and
// the directory cannot grow.

#include "fuzz_scep.hpp"

#include <botan/auto_rng.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <span>
#include <string_view>
#include <unistd.h>

namespace {

using namespace ascep;
namespace fs = std::filesystem;
using snapshot = std::map<fs::path, std::string>;

std::string read_all(const fs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

snapshot take_snapshot(const fs::path& dir)
{
    snapshot out;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file())
            out[e.path()] = read_all(e.path());
    return out;
}

void restore(const fs::path& dir, const snapshot& snap)
{
    std::vector<fs::path> extra;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file() && !snap.contains(e.path()))
            extra.push_back(e.path());
    for (const auto& p : extra)
        fs::remove(p);
    for (const auto& [path, content] : snap) {
        if (fs::exists(path) && read_all(path) == content)
            continue;
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(content.data(), static_cast<std::streamsize>(content.size()));
    }
}

/// A directory under $TMPDIR removed at exit: the only place this target writes.
struct private_dir {
    fs::path path;

    private_dir()
    {
        const char* tmp = std::getenv("TMPDIR");
        std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/ascep-fuzz-testca-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) {
            std::perror("mkdtemp");
            std::abort();
        }
        path = pattern;
    }
    ~private_dir()
    {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

struct fixture {
    Botan::AutoSeeded_RNG rng;
    private_dir dir;
    fuzz::testca_world world{dir.path / "state", rng};
    snapshot pristine = take_snapshot(dir.path);
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    fixture& f = fuzz::once<fixture>();
    const auto eol = input.find('\n');
    const auto line = input.substr(0, eol);
    const auto space = line.find(' ');
    if (space == std::string_view::npos)
        return 0;
    const auto method = line.substr(0, space);
    const auto target = line.substr(space + 1);
    const auto body = eol == std::string_view::npos ? std::span<const std::uint8_t>{}
                                                    : std::span<const std::uint8_t>(data + eol + 1, size - eol - 1);

    const auto reply = f.world.service().handle(method, target, body, fuzz::fixed_now());
    if (fuzz::verbose())
        std::fprintf(stderr, "testca: %u %s\n", reply.status, reply.log.c_str());
    if (reply.status == 500) {
        std::fprintf(stderr, "testca answered 500: %s\n", reply.log.c_str());
        std::abort();
    }
    if (reply.status == 200 && reply.content_type == "application/x-pki-message") {
        // A CertRep the CA built must be one our client can parse.
        if (!scep::parse_pki_message(reply.body)) {
            std::fprintf(stderr, "testca built an unparseable CertRep: %s\n", reply.log.c_str());
            std::abort();
        }
    }
    // Every PKIOperation may have stored a transaction or a certificate
    // (their log lines all start so); other operations only read.
    if (reply.log.starts_with("PKIOperation"))
        restore(f.dir.path, f.pristine);
    return 0;
}
