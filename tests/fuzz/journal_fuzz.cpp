// libFuzzer target for the fleet journal: after a crash, a disk error or a
// hand edit the journal may hold anything, and the next run must refuse it
// or resume from it, never crash or guess.
//
// Each line goes to parse_journal_line (and what parses must survive a
// format/parse round trip); the whole input is then a DIR/journal.jsonl for
// journal::open, in one directory made at start-up, on /dev/shm when there
// is one, so the fsyncs cost nothing.

#include "fleet/journal.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include <unistd.h>

namespace {

using namespace ascep;

const std::string* dir = nullptr;

void check_line(std::string_view line)
{
    std::string error;
    const auto r = fleet::parse_journal_line(line, error);
    if (!r) {
        if (error.empty())
            std::abort();
        return;
    }
    if (r->id.empty())
        std::abort();
    const std::string formatted = fleet::format_journal_line(*r);
    const auto again = fleet::parse_journal_line(formatted, error);
    if (!again)
        std::abort();
    // Parsed strings are UTF-8 already, so only a long detail changes.
    auto expected = *r;
    if (expected.detail.size() > fleet::max_journal_detail) {
        if (again->detail.size() > fleet::max_journal_detail ||
            expected.detail.compare(0, again->detail.size(), again->detail) != 0)
            std::abort();
        expected.detail = again->detail;
    }
    if (!(*again == expected) || fleet::format_journal_line(*again) != formatted)
        std::abort();
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    std::string base = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    std::string pattern = base + "/ascep-journal-fuzz-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr)
        std::abort();
    dir = new std::string(pattern);
    // libFuzzer ends a timed run with exit(): leave nothing in /dev/shm.
    std::atexit([] {
        std::error_code ignored;
        std::filesystem::remove_all(*dir, ignored);
    });
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    for (std::string_view rest = input; !rest.empty();) {
        const auto nl = rest.find('\n');
        check_line(rest.substr(0, nl));
        rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    }

    const std::string path = *dir + "/journal.jsonl";
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr || std::fwrite(data, 1, size, f) != size || std::fclose(f) != 0)
        std::abort();
    std::string error;
    auto j = fleet::journal::open(*dir, error);
    if (!j) {
        if (error.find(" line ") == std::string::npos)
            std::abort();
        return 0;
    }
    // Opened: the file is the input up to its last newline, and every id
    // replayed came from one of those lines.
    const auto last_nl = input.rfind('\n');
    const std::size_t kept = last_nl == std::string_view::npos ? 0 : last_nl + 1;
    f = std::fopen(path.c_str(), "rb");
    if (f == nullptr || std::fseek(f, 0, SEEK_END) != 0 || static_cast<std::size_t>(std::ftell(f)) != kept)
        std::abort();
    std::fclose(f);
    for (const auto& r : j->replayed().records())
        if (r.id.empty() || j->replayed().find(r.id) != r)
            std::abort();
    if (kept == 0 && !j->replayed().empty())
        std::abort();
    return 0;
}
