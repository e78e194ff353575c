// libFuzzer target for the fleet manifest: the CSV comes from users and from
// spreadsheets, so any bytes must give devices or problems, never a crash,
// and the streaming reader and check_manifest must agree.
//
// The input goes to a file (the reader takes a path) in one directory made
// at start-up, on /dev/shm when there is one: no disk I/O per input.

#include "fleet/manifest.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>

#include <unistd.h>

namespace {

using namespace ascep;

std::string make_dir()
{
    std::string base = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    std::string pattern = base + "/ascep-manifest-fuzz-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr)
        std::abort();
    return pattern;
}

// Made once: a directory per input would cost more than the parsing.
const std::string* dir = nullptr;

void write_file(const std::string& path, const std::uint8_t* data, std::size_t size)
{
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr || std::fwrite(data, 1, size, f) != size || std::fclose(f) != 0)
        std::abort();
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    dir = new std::string(make_dir());
    // libFuzzer ends a timed run with exit(): leave nothing in /dev/shm.
    std::atexit([] {
        std::error_code ignored;
        std::filesystem::remove_all(*dir, ignored);
    });
    // Something for relative `key` paths to find.
    const std::uint8_t key[] = "not a key";
    write_file(*dir + "/k.pem", key, sizeof key - 1);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string path = *dir + "/manifest.csv";
    write_file(path, data, size);

    const auto check = fleet::check_manifest(path);
    if (check.problems.size() > 101)
        std::abort();

    fleet::manifest_problem opened;
    auto reader = fleet::manifest_reader::open(path, opened);
    if (!reader) {
        // Both must refuse the same header.
        if (check.devices != 0 || check.problems.size() != 1 || check.problems[0].message != opened.message)
            std::abort();
        return 0;
    }
    std::size_t devices = 0, problems = 0, last_line = 0, repeats = 0;
    std::set<std::string> ids;
    fleet::device d;
    std::optional<fleet::manifest_problem> problem;
    while (reader->next(d, problem)) {
        const std::size_t line = problem ? problem->line : d.line;
        // Records only move forward through the file.
        if (line <= last_line)
            std::abort();
        last_line = line;
        if (problem) {
            ++problems;
            // A row with a safe id counts for duplicates even when it is bad.
            if (problem->line == d.line && fleet::is_safe_device_id(d.id))
                ids.insert(d.id);
            continue;
        }
        ++devices;
        if (!fleet::is_safe_device_id(d.id) || d.key != fleet::id_key(d.id))
            std::abort();
        // The reader judges rows alone; duplicates are check_manifest's.
        if (!ids.insert(d.id).second)
            ++repeats;
        if (!d.key_file.empty() && d.key_file.front() != '/')
            std::abort();
    }
    if (check.devices != devices - repeats || (problems + repeats <= 100 && check.problems.size() != problems + repeats))
        std::abort();
    return 0;
}
