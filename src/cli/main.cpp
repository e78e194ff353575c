// ascep: the command-line entry point.
#include "ascep_version.h"
#include "cli/exit_codes.hpp"
#include "cli/operations.hpp"
#include "cli/options.hpp"

#include <botan/version.h>

#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

namespace {

namespace cli = ascep::cli;

void print_line(std::FILE* to, const std::string& text)
{
    std::fprintf(to, "ascep: %s\n", text.c_str());
}

/// Sizes Botan's pool of locked memory (mlock'ed, MADV_DONTDUMP pages that
/// hold the private key and BigInts of 16 to 512 bytes) for what the
/// operation holds. Botan 2.19 reads BOTAN_MLOCK_POOL_SIZE (KiB) once, when
/// it first allocates secure memory, and by default locks 512 KiB page by
/// page: 128 pages, each an mmap, an mlock, an madvise and two guard-page
/// mprotects, and the reverse at exit, ~1,150 system calls that cost a
/// one-shot run more CPU than its RSA work. One enrollment holds at most 9
/// pages of it (RSA-2048 or 4096, measured), so a one-shot operation gets 16;
/// `fleet` holds many keys at once and keeps Botan's default. A value the
/// user set wins. Must run before anything allocates secure memory; nothing
/// before main does (ascep has no static Botan objects).
void size_locked_pool(int argc, char** argv)
{
    if (argc >= 2 && std::string_view(argv[1]) == "fleet")
        return;
    ::setenv("BOTAN_MLOCK_POOL_SIZE", "64", 0);
}

} // namespace

int main(int argc, char** argv)
{
    size_locked_pool(argc, argv);
    const std::span<const char* const> args(argv, static_cast<std::size_t>(argc));
    if (argc == 2) {
        const std::string_view a = argv[1];
        if (a == "--version" || a == "-V") {
            std::printf("ascep %s (Botan %s)\n", ASCEP_VERSION, Botan::short_version_cstr());
            return 0;
        }
        if (a == "--help" || a == "-h") {
            std::fputs(cli::usage_text().c_str(), stdout);
            return 0;
        }
    }

    if (argc < 2) {
        // No operation: the usage, on stderr, and not success (sscep exits 0 here).
        std::fputs(cli::usage_text().c_str(), stderr);
        return cli::exit_code(cli::outcome::general_error);
    }

    auto parsed = cli::parse(args);
    if (!parsed) {
        print_line(stderr, parsed.error().message);
        if (parsed.error().what == cli::parse_error::kind::usage)
            std::fputs("Try 'ascep --help' or 'ascep OPERATION --help'.\n", stderr);
        return parsed.error().exit_code();
    }
    for (const auto& w : parsed->warnings)
        print_line(stderr, "warning: " + w);
    if (parsed->opts.help) {
        std::fputs(cli::usage_text(parsed->opts.op).c_str(), stdout);
        return 0;
    }

    return cli::run_operation(parsed->opts);
}
