// --help: the list of operations, and each operation's options from the table.
#include "cli/options.hpp"

#include "cli/option_table.hpp"

namespace ascep::cli {

std::string usage_text()
{
    std::string s = "usage: ascep OPERATION [OPTIONS]\n"
                    "       ascep --version | --help\n"
                    "       ascep OPERATION --help\n"
                    "\n"
                    "ascep is an asynchronous SCEP client (RFC 8894), a drop-in superset of sscep.\n"
                    "\n"
                    "operations:\n";
    for (const auto& n : detail::operation_names()) {
        std::string line = "  " + std::string(n.name);
        line.resize(14, ' ');
        s += line + std::string(n.summary) + "\n";
    }
    s += "\nSee docs/cli.md for every option, the config file keys and the exit codes.\n";
    return s;
}

std::string usage_text(operation op)
{
    std::string s = "usage: ascep " + std::string(name_of(op));
    if (op == operation::mkrequest)
        s += " -ip|-dns|-email NAME [challenge]";
    if (op == operation::inspect)
        s += " FILE";
    s += " [OPTIONS]\n";
    for (const auto& n : detail::operation_names())
        if (n.op == op)
            s += "\n" + std::string(n.summary) + "\n\noptions:\n";
    for (const auto& spec : detail::option_table()) {
        if (!spec.valid_for(op))
            continue;
        std::string line = "  ";
        if (spec.short_name != 0)
            line += std::string("-") + spec.short_name + ", ";
        else if (spec.id == detail::id_ip || spec.id == detail::id_dns || spec.id == detail::id_email)
            line += "-" + std::string(spec.long_name) + ", ";
        line += "--" + std::string(spec.long_name);
        if (spec.takes_value())
            line += " " + std::string(spec.value_name);
        if (line.size() < 32)
            line.resize(32, ' ');
        else
            line += "\n" + std::string(32, ' ');
        s += line + std::string(spec.help) + "\n";
    }
    return s;
}

} // namespace ascep::cli
