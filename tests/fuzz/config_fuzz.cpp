// libFuzzer target for sscep config files (-f), both formats: cli::parse_config
// detects flat ("Key Value") or sectioned ("[sscep]", "Key = Value") and
// reads the entries, then apply_config fills the options of every operation
// from them. Bad files are parse_error values; an exception escaping (other
// than from result::value(), which is not called) is a crash.

#include "cli/config_file.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace ascep::cli;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto file = parse_config(text, "fuzz.conf");
    if (!file)
        return 0;
    for (const auto& e : file->entries)
        if (e.line == 0)
            __builtin_trap(); // entries carry their 1-based line
    for (auto op : {operation::getcaps, operation::getca, operation::getnextca, operation::enroll,
                    operation::getcert, operation::getcrl, operation::mkrequest, operation::inspect,
                    operation::fleet}) {
        options opts;
        opts.op = op;
        std::vector<std::string> warnings;
        (void)apply_config(*file, opts, warnings);
    }
    return 0;
}
