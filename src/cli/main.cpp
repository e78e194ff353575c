// ascep: the command-line entry point.
#include "ascep_version.h"

#include <botan/version.h>

#include <cstdio>
#include <cstring>
#include <string_view>

namespace {

// sscep's exit code for a usage error is 0; ours is not (PRODUCT.md §1).
constexpr int exit_usage = 1;

void print_usage(std::FILE* to)
{
    std::fputs("usage: ascep OPERATION [OPTIONS]\n"
               "       ascep --version | --help\n"
               "\n"
               "ascep is an asynchronous SCEP client (RFC 8894), a drop-in superset of sscep.\n"
               "This build provides the PKCS#7/CMS layer; the SCEP operations\n"
               "(getcaps, getca, getnextca, enroll, getcert, getcrl, mkrequest, inspect, fleet)\n"
               "are not part of it yet. See docs/architecture.md.\n",
               to);
}

} // namespace

int main(int argc, char** argv)
{
    if (argc == 2 && (std::strcmp(argv[1], "--version") == 0 || std::strcmp(argv[1], "-V") == 0)) {
        std::printf("ascep %s (Botan %s)\n", ASCEP_VERSION, Botan::short_version_cstr());
        return 0;
    }
    if (argc == 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
        print_usage(stdout);
        return 0;
    }
    if (argc >= 2)
        std::fprintf(stderr, "ascep: unknown operation '%s'\n", argv[1]);
    print_usage(stderr);
    return exit_usage;
}
