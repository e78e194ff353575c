// argv to options, getopt-style, through the option table; then parse():
// argv, the config file and finalize() in that order.
#include "cli/options.hpp"

#include "cli/config_file.hpp"
#include "cli/option_table.hpp"

#include <utility>

namespace ascep::cli {
namespace {

using detail::option_spec;

std::string option_error_prefix(std::string_view spelled)
{
    return std::string(spelled) + ": ";
}

result<void> apply(options& o, const option_spec& spec, std::string_view spelled, std::string_view value)
{
    if (!spec.valid_for(o.op))
        return usage_error("option " + std::string(spelled) + " is not valid for " + std::string(name_of(o.op)));
    if (auto why = spec.set(o, value))
        return usage_error(option_error_prefix(spelled) + *why);
    return {};
}

result<void> positional(options& o, std::string_view arg)
{
    if (o.op == operation::inspect && o.input_file.empty()) {
        o.input_file = std::string(arg);
        return {};
    }
    if (o.op == operation::mkrequest && o.challenge.empty()) {
        o.challenge = std::string(arg);
        return {};
    }
    return usage_error("unexpected argument '" + std::string(arg) + "' for " + std::string(name_of(o.op)));
}

} // namespace

result<options> parse_arguments(std::span<const char* const> argv)
{
    if (argv.size() < 2 || argv[1] == nullptr)
        return usage_error("missing operation (getcaps, getca, getnextca, enroll, getcert, getcrl, mkrequest, "
                           "inspect, fleet, renew)");
    const std::string_view op_name = argv[1];
    auto op = parse_operation(op_name);
    if (!op)
        return usage_error("unknown operation '" + std::string(op_name) + "'");

    options o;
    o.op = *op;
    bool only_positionals = false;
    std::size_t first = 2;
    // `ascep fleet status`: the one operation of two words.
    if (o.op == operation::fleet && argv.size() > 2 && argv[2] != nullptr && std::string_view(argv[2]) == "status") {
        o.op = operation::fleet_status;
        first = 3;
    }
    for (std::size_t i = first; i < argv.size(); ++i) {
        const std::string_view arg = argv[i] == nullptr ? std::string_view() : std::string_view(argv[i]);
        auto next_value = [&](std::string_view spelled) -> result<std::string_view> {
            if (i + 1 >= argv.size() || argv[i + 1] == nullptr)
                return usage_error("option " + std::string(spelled) + " needs a value");
            return std::string_view(argv[++i]);
        };

        if (only_positionals || arg.size() < 2 || arg[0] != '-') {
            if (auto r = positional(o, arg); !r)
                return r.error();
            continue;
        }
        if (arg == "--") {
            only_positionals = true;
            continue;
        }

        // mkrequest's -ip / -dns / -email NAME (sscep's mkrequest script).
        if (o.op == operation::mkrequest && (arg == "-ip" || arg == "-dns" || arg == "-email")) {
            const auto* spec = detail::find_long(arg.substr(1));
            auto v = next_value(arg);
            if (!v)
                return v.error();
            if (auto r = apply(o, *spec, arg, *v); !r)
                return r.error();
            continue;
        }

        if (arg.starts_with("--")) {
            const auto body = arg.substr(2);
            const auto eq = body.find('=');
            const auto name = body.substr(0, eq);
            const auto* spec = detail::find_long(name);
            const std::string spelled = "--" + std::string(name);
            if (spec == nullptr)
                return usage_error("unknown option " + spelled);
            std::string_view value;
            if (spec->takes_value()) {
                if (eq != std::string_view::npos) {
                    value = body.substr(eq + 1);
                } else {
                    auto v = next_value(spelled);
                    if (!v)
                        return v.error();
                    value = *v;
                }
            } else if (eq != std::string_view::npos) {
                return usage_error("option " + spelled + " takes no value");
            }
            if (auto r = apply(o, *spec, spelled, value); !r)
                return r.error();
            continue;
        }

        // Single-letter options, getopt-style: "-v", "-vd", "-uURL", "-u URL".
        for (std::size_t j = 1; j < arg.size(); ++j) {
            const std::string spelled = std::string("-") + arg[j];
            const auto* spec = detail::find_short(arg[j]);
            if (spec == nullptr)
                return usage_error("unknown option " + spelled);
            if (!spec->takes_value()) {
                if (auto r = apply(o, *spec, spelled, {}); !r)
                    return r.error();
                continue;
            }
            std::string_view value;
            if (j + 1 < arg.size()) {
                value = arg.substr(j + 1);
            } else {
                auto v = next_value(spelled);
                if (!v)
                    return v.error();
                value = *v;
            }
            if (auto r = apply(o, *spec, spelled, value); !r)
                return r.error();
            break; // the rest of the element was the value
        }
    }
    return o;
}

result<parsed_command_line> parse(std::span<const char* const> argv)
{
    auto o = parse_arguments(argv);
    if (!o)
        return o.error();
    parsed_command_line out{std::move(*o), {}};
    // Before the config file fills -p: only argv is shown by ps.
    if (out.opts.proxy.find('@') != std::string::npos)
        out.warnings.push_back("-p: the proxy's user name and password on the command line can be read by every "
                               "local user (ps, /proc/PID/cmdline) while ascep runs; put them in HTTPS_PROXY/"
                               "HTTP_PROXY or the config file's Proxy key instead");
    if (!out.opts.config_file.empty() && !out.opts.help) {
        auto file = read_config_file(out.opts.config_file);
        if (!file)
            return file.error();
        out.warnings = file->warnings;
        if (auto r = apply_config(*file, out.opts, out.warnings); !r)
            return r.error();
    }
    if (auto r = finalize(out.opts); !r)
        return r.error();
    return out;
}

} // namespace ascep::cli
