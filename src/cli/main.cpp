// ascep: the command-line entry point.
#include "ascep_version.h"
#include "cli/exit_codes.hpp"
#include "cli/operations.hpp"
#include "cli/options.hpp"

#include <botan/version.h>

#include <cstdio>
#include <span>
#include <string>
#include <string_view>

namespace {

namespace cli = ascep::cli;

void print_line(std::FILE* to, const std::string& text)
{
    std::fprintf(to, "ascep: %s\n", text.c_str());
}

} // namespace

int main(int argc, char** argv)
{
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
