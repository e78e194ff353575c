#include "testca/command_line.hpp"

#include "io/duration.hpp"
#include "testca/files.hpp"
#include "testca/tls_identity.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

namespace ascep::testca {

const char* const usage_text =
    "usage: ascep-testca [serve] --dir STATE [--listen 127.0.0.1:PORT] [--url-file FILE]\n"
    "                    [--tls [--tls-name NAME]... | --tls-cert FILE --tls-key FILE] [--seed N]\n"
    "                    [CA FLAGS | --profile 'NAME:CA FLAGS'...]\n"
    "  CA FLAGS: [--challenge PW | --challenge-file FILE] [--pending N] [--manual] [--reject] [--ra]\n"
    "            [--intermediate] [--chain-order leaf-first|root-first|random] [--caps LIST] [--key-bits N]\n"
    "            [--validity DURATION] [--faults LIST]\n"
    "            [--crash-after-issue N]  (testing aid: exit 86 after the N-th issuance, before replying)\n"
    "            [--strict]  (testing aid: the challenge on renewals and resent requests too; the log\n"
    "                         tells new, resent and polls apart and names each request's signer)\n"
    "  --faults LIST: NAME[=VALUE][@P],... with NAME one of delay=DURATION, http500, http503[=SECONDS],\n"
    "            close-before, close-mid, truncate, content-type, trickle[=DURATION],\n"
    "            pending-then-failure[=N], bad-signature, wrong-nonce, wrong-transaction-id, wrong-key,\n"
    "            wrong-recipient, no-ra; P the probability per request (default 1)\n"
    "       ascep-testca approve --dir STATE [--profile NAME] TRANSACTION-ID\n"
    "       ascep-testca reject --dir STATE [--profile NAME] TRANSACTION-ID\n"
    "       ascep-testca revoke --dir STATE [--profile NAME] SERIAL\n"
    "       ascep-testca rollover --dir STATE [--profile NAME] [--key-bits N]\n"
    "       ascep-testca list --dir STATE [--profile NAME]\n";

namespace {

const std::set<std::string> server_values = {"--dir", "--listen", "--url-file", "--tls-cert", "--tls-key", "--seed"};
const std::set<std::string> server_repeated = {"--profile", "--tls-name"};
const std::set<std::string> server_flags = {"--tls", "--help", "-h"};
const std::set<std::string> ca_values = {"--challenge", "--challenge-file", "--pending",   "--caps",
                                         "--key-bits",  "--validity",       "--chain-order", "--crash-after-issue",
                                         "--faults"};
const std::set<std::string> ca_switches = {"--manual", "--reject", "--strict", "--ra", "--intermediate"};
const std::set<std::string> admin_values = {"--dir", "--profile", "--key-bits"};
const std::set<std::string> admin_flags = {"--help", "-h"};

struct raw_args {
    std::map<std::string, std::vector<std::string>> values;
    std::vector<std::string> flags;
    std::vector<std::string> positional;
    std::vector<std::string> order; // option names in the order given

    std::optional<std::string> value(const std::string& n) const
    {
        const auto it = values.find(n);
        return it == values.end() ? std::nullopt : std::optional<std::string>(it->second.back());
    }
    bool has(const std::string& f) const { return std::find(flags.begin(), flags.end(), f) != flags.end(); }
};

raw_args scan(const std::vector<std::string>& args, std::size_t from, const std::set<std::string>& values,
              const std::set<std::string>& repeated, const std::set<std::string>& flags, const std::string& where)
{
    raw_args a;
    for (std::size_t i = from; i < args.size(); ++i) {
        std::string arg = args[i];
        std::optional<std::string> inline_value;
        if (const auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
            inline_value = arg.substr(eq + 1);
            arg.resize(eq);
        }
        const bool takes_value = values.count(arg) != 0 || repeated.count(arg) != 0;
        if (takes_value) {
            if (!inline_value && i + 1 >= args.size())
                throw usage_error(arg + " needs a value" + where);
            auto v = inline_value ? *inline_value : args[++i];
            a.values[arg].push_back(std::move(v));
            a.order.push_back(arg);
        } else if (flags.count(arg) != 0) {
            if (inline_value)
                throw usage_error(arg + " takes no value" + where);
            a.flags.push_back(arg);
            a.order.push_back(arg);
        } else if (!arg.empty() && arg[0] == '-') {
            throw usage_error("unknown option " + arg + where);
        } else {
            a.positional.push_back(arg);
        }
    }
    return a;
}

unsigned to_unsigned(const std::string& name, const std::string& text, unsigned min, unsigned max)
{
    unsigned v = 0;
    const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || p != text.data() + text.size() || v < min || v > max)
        throw usage_error(name + " must be a number from " + std::to_string(min) + " to " + std::to_string(max));
    return v;
}

std::set<std::string> merged(std::initializer_list<const std::set<std::string>*> sets)
{
    std::set<std::string> out;
    for (const auto* s : sets)
        out.insert(s->begin(), s->end());
    return out;
}

/// The CA flags of `a` (those present), checked.
ca_flags read_ca_flags(const raw_args& a, const std::string& where)
{
    ca_flags f;
    auto& opts = f.service;
    if (a.value("--challenge") && a.value("--challenge-file"))
        throw usage_error("--challenge and --challenge-file exclude each other" + where);
    opts.rules.challenge = a.value("--challenge");
    if (const auto file = a.value("--challenge-file")) {
        // The file's content, one trailing newline removed, as the client's
        // --challenge-file reads it; the path goes in messages, never the content.
        auto text = read_text(*file);
        if (!text)
            throw usage_error("--challenge-file " + *file + ": no such file" + where);
        if (!text->empty() && text->back() == '\n')
            text->pop_back();
        if (!text->empty() && text->back() == '\r')
            text->pop_back();
        if (text->empty() || text->find('\n') != std::string::npos || text->find('\0') != std::string::npos)
            throw usage_error("--challenge-file " + *file + ": must hold one line, not empty" + where);
        opts.rules.challenge = std::move(*text);
    }
    opts.rules.pending_polls = to_unsigned("--pending", a.value("--pending").value_or("0"), 0, 1000000);
    opts.rules.manual = a.has("--manual");
    opts.rules.reject = a.has("--reject");
    opts.rules.strict = a.has("--strict");
    if (const auto caps = a.value("--caps"))
        opts.caps = parse_caps_list(*caps);
    if (const auto text = a.value("--validity")) {
        // A bare number stays days, as the option always read it.
        const auto validity = io::parse_duration(*text, 'd');
        if (!validity || validity->count() <= 0)
            throw usage_error("--validity must be " + io::duration_syntax('d') + ", not '" + *text + "'" + where);
        opts.validity = *validity;
    }
    opts.crash_after_issue =
        to_unsigned("--crash-after-issue", a.value("--crash-after-issue").value_or("0"), 0, 1000000000);
    if (const auto order = a.value("--chain-order")) {
        const auto parsed = parse_chain_order(*order);
        if (!parsed)
            throw usage_error("--chain-order must be leaf-first, root-first or random, not '" + *order + "'" + where);
        opts.order = *parsed;
        f.chain_order_given = true;
    }
    f.setup.key_bits = to_unsigned("--key-bits", a.value("--key-bits").value_or("2048"), 1024, 8192);
    f.setup.ra = a.has("--ra");
    f.setup.intermediate = a.has("--intermediate");
    if (const auto list = a.value("--faults")) {
        try {
            f.faults = parse_fault_list(*list);
        } catch (const std::invalid_argument& e) {
            throw usage_error(e.what() + where);
        }
    }
    return f;
}

} // namespace

bool valid_profile_name(const std::string& name)
{
    return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](unsigned char c) {
               return std::isalnum(c) || c == '_' || c == '-';
           });
}

std::vector<std::string> split_flags(const std::string& text)
{
    std::vector<std::string> out;
    std::string word;
    bool in_word = false;
    char quote = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quote != 0) {
            if (c == quote)
                quote = 0;
            else if (c == '\\' && quote == '"' && i + 1 < text.size())
                word.push_back(text[++i]);
            else
                word.push_back(c);
        } else if (c == '\'' || c == '"') {
            quote = c;
            in_word = true;
        } else if (c == '\\' && i + 1 < text.size()) {
            word.push_back(text[++i]);
            in_word = true;
        } else if (std::isspace(static_cast<unsigned char>(c))) {
            if (in_word)
                out.push_back(std::move(word));
            word.clear();
            in_word = false;
        } else {
            word.push_back(c);
            in_word = true;
        }
    }
    if (quote != 0)
        throw usage_error("unbalanced quote in '" + text + "'");
    if (in_word)
        out.push_back(std::move(word));
    return out;
}

profile_spec parse_profile(const std::string& spec)
{
    const auto colon = spec.find(':');
    if (colon == std::string::npos)
        throw usage_error("--profile wants NAME:FLAGS (FLAGS may be empty), not '" + spec + "'");
    profile_spec p;
    p.name = spec.substr(0, colon);
    if (!valid_profile_name(p.name))
        throw usage_error("--profile '" + spec + "': the name must be 1 to 64 letters, digits, '_' or '-'");
    p.flags_text = spec.substr(colon + 1);
    if (p.flags_text.find_first_of("\n\r") != std::string::npos)
        throw usage_error("--profile " + p.name + ": FLAGS must be one line");
    const std::string where = " (in --profile " + p.name + ")";
    auto words = split_flags(p.flags_text);
    words.insert(words.begin(), "serve");
    const auto a = scan(words, 1, ca_values, {}, ca_switches, where);
    if (!a.positional.empty())
        throw usage_error("unexpected argument " + a.positional.front() + where);
    p.flags = read_ca_flags(a, where);
    return p;
}

command_line parse_command_line(const std::vector<std::string>& args)
{
    command_line c;
    std::size_t i = 1;
    if (i < args.size() && !args[i].empty() && args[i][0] != '-')
        c.command = args[i++];
    static const std::set<std::string> commands = {"serve", "approve", "reject", "revoke", "rollover", "list"};
    if (commands.count(c.command) == 0) {
        c.help = std::find(args.begin(), args.end(), "--help") != args.end();
        if (!c.help)
            throw usage_error("unknown command " + c.command);
        return c;
    }
    if (c.command == "serve") {
        const auto a = scan(args, i, merged({&server_values, &ca_values}), server_repeated,
                            merged({&server_flags, &ca_switches}), "");
        c.help = a.has("--help") || a.has("-h");
        if (c.help)
            return c;
        if (!a.positional.empty())
            throw usage_error("unexpected argument " + a.positional.front());
        if (const auto d = a.value("--dir"))
            c.dir = *d;
        c.listen = a.value("--listen").value_or(c.listen);
        if (const auto u = a.value("--url-file")) {
            if (u->empty())
                throw usage_error("--url-file wants a file name");
            c.url_file = *u;
        }
        c.tls.enabled = a.has("--tls");
        if (const auto v = a.value("--tls-cert"))
            c.tls.cert = *v;
        if (const auto v = a.value("--tls-key"))
            c.tls.key = *v;
        if (const auto it = a.values.find("--tls-name"); it != a.values.end())
            c.tls.names = it->second;
        if (c.tls.cert.has_value() != c.tls.key.has_value())
            throw usage_error("--tls-cert and --tls-key go together");
        if (c.tls.cert)
            c.tls.enabled = true;
        if ((c.tls.cert || !c.tls.names.empty()) && !c.tls.enabled)
            throw usage_error("--tls-name needs --tls");
        for (const auto& n : c.tls.names)
            if (!valid_tls_name(n))
                throw usage_error("--tls-name '" + n + "' is neither an IP address nor a DNS name");
        if (c.tls.cert && !c.tls.names.empty())
            throw usage_error("--tls-name is for the certificate the test CA makes; with --tls-cert, your "
                              "certificate names the server");
        if (const auto s = a.value("--seed")) {
            std::uint64_t v = 0;
            const auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
            if (s->empty() || ec != std::errc{} || p != s->data() + s->size())
                throw usage_error("--seed must be a number from 0 to 18446744073709551615, not '" + *s + "'");
            c.seed = v;
        }
        for (const auto& name : a.order)
            if (ca_values.count(name) != 0 || ca_switches.count(name) != 0)
                c.single_flags_given.push_back(name);
        if (const auto it = a.values.find("--profile"); it != a.values.end()) {
            if (!c.single_flags_given.empty())
                throw usage_error(c.single_flags_given.front() +
                                  " is a CA flag: with --profile, put it in a profile's FLAGS ('NAME:" +
                                  c.single_flags_given.front() + " ...')");
            std::set<std::string> seen;
            for (const auto& spec : it->second) {
                c.profiles.push_back(parse_profile(spec));
                if (!seen.insert(c.profiles.back().name).second)
                    throw usage_error("--profile " + c.profiles.back().name + " given twice");
            }
        } else {
            c.single = read_ca_flags(a, "");
        }
    } else {
        const auto a = scan(args, i, admin_values, {}, admin_flags, "");
        c.help = a.has("--help") || a.has("-h");
        if (c.help)
            return c;
        if (const auto d = a.value("--dir"))
            c.dir = *d;
        c.profile = a.value("--profile");
        if (c.profile && !valid_profile_name(*c.profile))
            throw usage_error("--profile '" + *c.profile + "' is not a profile name");
        if (const auto k = a.value("--key-bits")) {
            if (c.command != "rollover")
                throw usage_error("--key-bits is for serve and rollover");
            c.single.setup.key_bits = to_unsigned("--key-bits", *k, 1024, 8192);
        }
        c.positional = a.positional;
    }
    if (c.dir.empty())
        throw usage_error("--dir STATE is required");
    return c;
}

std::vector<profile_spec> load_profiles(const std::filesystem::path& dir)
{
    std::vector<profile_spec> out;
    const auto text = read_text(dir / "profiles");
    if (!text)
        return out;
    std::size_t start = 0;
    while (start < text->size()) {
        auto end = text->find('\n', start);
        if (end == std::string::npos)
            end = text->size();
        const auto line = text->substr(start, end - start);
        if (!line.empty())
            out.push_back(parse_profile(line));
        start = end + 1;
    }
    return out;
}

void save_profiles(const std::filesystem::path& dir, const std::vector<profile_spec>& profiles)
{
    std::string text;
    for (const auto& p : profiles)
        text += p.name + ":" + p.flags_text + "\n";
    // 0600: FLAGS may hold --challenge.
    write_file_atomic(dir / "profiles", text, 0600);
}

} // namespace ascep::testca
