// What replaying a fleet journal keeps in memory, per device (issue 15):
// writes a journal of N devices x R records (sscep transactionIDs, ids
// "dev-000001"...) into a temporary directory, opens it with
// fleet::journal::open, and prints the growth of VmRSS over the open (with
// malloc_trim before each reading, so freed read buffers do not count).
// Not a test: it measures and prints, nothing passes or fails.
//   usage: replay_memory [N=100000] [R=3]
#include "fleet/journal.hpp"

#include "vm_rss.hpp"

#include <malloc.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

int main(int argc, char** argv)
{
    const long n = argc > 1 ? std::atol(argv[1]) : 100000;
    const long per = argc > 2 ? std::atol(argv[2]) : 3;
    char tmpl[] = "/tmp/ascep-replay-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr)
        return 1;
    const std::string dir = tmpl;
    {
        std::ofstream out(dir + "/journal.jsonl");
        for (long r = 0; r < per; ++r)
            for (long i = 0; i < n; ++i) {
                char id[32], tid[40];
                std::snprintf(id, sizeof id, "dev-%06ld", i);
                std::snprintf(tid, sizeof tid, "%08lX9C87D5B0A6E3F412%08lX", i, i * 7919);
                const auto state = r == 0 ? ascep::fleet::device_state::requested : ascep::fleet::device_state::pending;
                const ascep::fleet::journal_record rec{id, state, tid, "", static_cast<unsigned>(r),
                                                       1'795'771'234'567 + r};
                out << ascep::fleet::format_journal_line(rec);
            }
    }
    ::malloc_trim(0);
    const long before = ascep::bench::vm_rss_kib();
    std::string error;
    auto j = ascep::fleet::journal::open(dir, error);
    if (!j) {
        std::fprintf(stderr, "%s\n", error.c_str());
        return 1;
    }
    ::malloc_trim(0);
    const long after = ascep::bench::vm_rss_kib();
    std::printf("%ld devices x %ld records: replayed %zu; VmRSS +%ld KiB over the open = %.1f bytes per device\n", n,
                per, j->replayed().size(), after - before, 1024.0 * static_cast<double>(after - before) / n);
    std::filesystem::remove_all(dir);
    return 0;
}
