#include "cli/config_file.hpp"

#include "cli/option_table.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <set>
#include <utility>

namespace ascep::cli {
namespace {

bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trim(std::string_view s)
{
    while (!s.empty() && is_space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_space(s.back()))
        s.remove_suffix(1);
    return s;
}

bool iequals(std::string_view a, std::string_view b)
{
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
    });
}

std::vector<std::string_view> split_lines(std::string_view text)
{
    if (text.starts_with("\xEF\xBB\xBF")) // UTF-8 byte order mark
        text.remove_prefix(3);
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        auto line = text.substr(0, nl);
        if (line.ends_with('\r'))
            line.remove_suffix(1);
        lines.push_back(line);
        if (nl == std::string_view::npos)
            break;
        text.remove_prefix(nl + 1);
    }
    return lines;
}

bool is_blank_or_comment(std::string_view line)
{
    line = trim(line);
    return line.empty() || line.front() == '#';
}

struct line_parser {
    std::string_view file;
    std::size_t line;

    parse_error error(const std::string& message) const { return config_error(std::string(file), line, message); }
    std::string warning(const std::string& message) const
    {
        return std::string(file) + ":" + std::to_string(line) + ": " + message;
    }
};

// Flat format, as sscep's init_config/get_string: "Key Value" or
// "Key "quoted \"value\""; "Key = Value" and "Key=Value" are tolerated.
result<config_entry> parse_flat_line(const line_parser& at, std::string_view line, std::vector<std::string>& warnings)
{
    line = trim(line);
    std::size_t i = 0;
    while (i < line.size() && !is_space(line[i]) && line[i] != '=')
        ++i;
    const auto key = line.substr(0, i);
    if (key.empty())
        return at.error("expected 'Key Value'");
    while (i < line.size() && is_space(line[i]))
        ++i;
    if (i < line.size() && line[i] == '=') {
        ++i;
        while (i < line.size() && is_space(line[i]))
            ++i;
    }
    if (i == line.size())
        return at.error("'" + std::string(key) + "' has no value");

    std::string value;
    if (line[i] == '"') {
        ++i;
        bool closed = false;
        for (; i < line.size(); ++i) {
            if (line[i] == '\\' && i + 1 < line.size() && (line[i + 1] == '"' || line[i + 1] == '\\')) {
                value += line[++i];
            } else if (line[i] == '"') {
                closed = true;
                ++i;
                break;
            } else {
                value += line[i];
            }
        }
        if (!closed)
            return at.error("unterminated quoted value for '" + std::string(key) + "'");
    } else {
        const auto start = i;
        while (i < line.size() && !is_space(line[i]))
            ++i;
        value = std::string(line.substr(start, i - start));
    }
    const auto rest = trim(line.substr(i));
    if (!rest.empty() && rest.front() != '#')
        warnings.push_back(at.warning("text after the value of '" + std::string(key)
                                      + "' is ignored (quote values that contain spaces)"));
    return config_entry{{}, std::string(key), std::move(value), at.line};
}

// Sectioned format, as OpenSSL's NCONF reads it: "Key = Value"; '"' or '\''
// quote (and are removed), '\' escapes the next character, '#' outside quotes
// starts a comment, surrounding blanks are trimmed. No $variable expansion.
result<std::string> parse_nconf_value(const line_parser& at, std::string_view key, std::string_view raw)
{
    raw = trim(raw);
    std::string value;
    std::size_t keep = 0; // length of value without trailing unquoted blanks
    char quote = 0;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const char c = raw[i];
        if (c == '\\') {
            if (i + 1 == raw.size())
                return at.error("'" + std::string(key) + "': a value ending in '\\' (line continuation) is not supported");
            value += raw[++i];
            keep = value.size();
        } else if (quote != 0) {
            if (c == quote) {
                quote = 0;
            } else {
                value += c;
            }
            keep = value.size();
        } else if (c == '"' || c == '\'') {
            quote = c;
            keep = value.size();
        } else if (c == '#') {
            break;
        } else {
            value += c;
            if (!is_space(c))
                keep = value.size();
        }
    }
    if (quote != 0)
        return at.error("unterminated quoted value for '" + std::string(key) + "'");
    value.resize(keep);
    return value;
}

result<std::string> parse_section_header(const line_parser& at, std::string_view line)
{
    line = trim(line);
    const auto close = line.find(']');
    if (close == std::string_view::npos)
        return at.error("missing ']' in section header");
    const auto name = trim(line.substr(1, close - 1));
    if (name.empty())
        return at.error("empty section name");
    if (std::any_of(name.begin(), name.end(), [](char c) { return is_space(c); }))
        return at.error("section name '" + std::string(name) + "' contains blanks");
    const auto rest = trim(line.substr(close + 1));
    if (!rest.empty() && rest.front() != '#')
        return at.error("unexpected text after ']'");
    return std::string(name);
}

result<config_entry> parse_sectioned_line(const line_parser& at, std::string_view line, const std::string& section)
{
    line = trim(line);
    const auto eq = line.find('=');
    if (eq == std::string_view::npos)
        return at.error("expected 'Key = Value' or '[section]'");
    const auto key = trim(line.substr(0, eq));
    if (key.empty())
        return at.error("missing key before '='");
    if (std::any_of(key.begin(), key.end(), [](char c) { return is_space(c) || c == '"'; }))
        return at.error("bad key '" + std::string(key) + "'");
    auto value = parse_nconf_value(at, key, line.substr(eq + 1));
    if (!value)
        return value.error();
    return config_entry{section, std::string(key), std::move(*value), at.line};
}

// ---------------------------------------------------------------------------
// keys

enum class key_kind {
    value,   ///< the option's setter takes the value
    boolean, ///< yes/true/1 or no/false/0; true sets the flag
    query,   ///< MonitorInformation: name=value&name=value, each one -M
    engine,  ///< OpenSSL engine: not supported, warned about
};

struct key_spec {
    std::string_view key;
    int option_id; ///< the short letter (all keys map to sscep options)
    /// Operations the key applies to beyond the option's own list (0 = the option's).
    detail::op_mask only_for;
    key_kind kind;
};

using detail::bit;

constexpr key_spec keys[] = {
    {"CACertFile", 'c', 0, key_kind::value},
    {"CAIdentifier", 'i', 0, key_kind::value},
    {"CertReqFile", 'r', 0, key_kind::value},
    {"Debug", 'd', 0, key_kind::boolean},
    {"EncAlgorithm", 'E', 0, key_kind::value},
    {"EncCertFile", 'e', 0, key_kind::value},
    {"SignCertFile", 'O', 0, key_kind::value},
    {"SignKeyFile", 'K', 0, key_kind::value},
    {"FingerPrint", 'F', 0, key_kind::value},
    {"GetCertFile", 'w', bit(operation::getcert), key_kind::value},
    {"GetCertSerial", 's', 0, key_kind::value},
    {"GetCrlFile", 'w', bit(operation::getcrl), key_kind::value},
    {"LocalCertFile", 'l', 0, key_kind::value},
    {"MaxPollCount", 'n', 0, key_kind::value},
    {"MaxPollTime", 'T', 0, key_kind::value},
    {"PollInterval", 't', 0, key_kind::value},
    {"PrivateKeyFile", 'k', 0, key_kind::value},
    {"Proxy", 'p', 0, key_kind::value},
    {"SelfSignedFile", 'L', 0, key_kind::value},
    {"SigAlgorithm", 'S', 0, key_kind::value},
    {"URL", 'u', 0, key_kind::value},
    {"Verbose", 'v', 0, key_kind::boolean},
    // sscep 0.10's sectioned file adds these.
    {"Resume", 'R', 0, key_kind::boolean},
    {"MonitorInformation", 'M', 0, key_kind::query},
    {"ChainRootCACertFile", 'C', 0, key_kind::value},
    {"SignerCertificateFile", 'w', bit(operation::getnextca), key_kind::value},
    {"engine", 0, 0, key_kind::engine},
};

const key_spec* find_key(std::string_view key)
{
    for (const auto& k : keys)
        if (iequals(k.key, key))
            return &k;
    return nullptr;
}

std::optional<bool> parse_bool(std::string_view v)
{
    for (auto t : {"yes", "true", "1", "on"})
        if (iequals(v, t))
            return true;
    for (auto f : {"no", "false", "0", "off"})
        if (iequals(v, f))
            return false;
    return std::nullopt;
}

enum class section_role { generic, this_operation, other_operation, engine, unknown };

section_role role_of(const config_file& file, const std::string& section, operation op,
                     const std::set<std::string>& engine_sections)
{
    if (file.format == config_format::flat || section.empty() || section == "sscep")
        return section_role::generic;
    if (section.starts_with("sscep_")) {
        const auto rest = std::string_view(section).substr(6);
        if (rest == name_of(op))
            return section_role::this_operation;
        if (parse_operation(rest))
            return section_role::other_operation;
        if (rest.starts_with("engine"))
            return section_role::engine;
    }
    if (engine_sections.count(section) != 0)
        return section_role::engine;
    return section_role::unknown;
}

std::string at_line(const config_file& file, std::size_t line)
{
    return file.name + ":" + std::to_string(line) + ": ";
}

/// `engine = NAME` (entry `engine`): the [NAME] section's engine_id,
/// MODULE_PATH and PIN, and [sscep_engine_<engine_id>]'s.
result<void> apply_engine(const config_file& file, const config_entry& engine, options& opts,
                          std::vector<std::pair<std::size_t, std::string>>& notes)
{
    const config_entry* id = nullptr;
    for (const auto& e : file.entries)
        if (e.section == engine.value && iequals(e.key, "engine_id"))
            id = &e;
    if (id == nullptr || id->value.empty())
        return config_error(file.name, engine.line, "engine '" + engine.value + "': no engine_id in a [" +
                                                        engine.value + "] section");
    if (id->value != "pkcs11") {
        const std::string tpm = id->value == "tpm2tss" || id->value == "tpm2"
                                    ? " (a TPM 2.0 through tpm2-pkcs11: MODULE_PATH = "
                                      "/usr/lib/x86_64-linux-gnu/pkcs11/libtpm2_pkcs11.so)"
                                    : "";
        return config_error(file.name, id->line,
                            "engine_id '" + id->value + "': OpenSSL engines are not supported; ascep reaches keys "
                            "in hardware through PKCS#11: set engine_id = pkcs11 with MODULE_PATH" + tpm +
                            ", or give -k a PKCS#11 URI (pkcs11:token=NAME;object=LABEL; docs/keys.md)");
    }
    if (opts.engine.empty())
        opts.engine = "pkcs11";
    const std::string pin_section = "sscep_engine_" + id->value;
    for (const auto& e : file.entries) {
        if (e.section != engine.value && e.section != pin_section)
            continue;
        if (iequals(e.key, "MODULE_PATH") && !e.value.empty() && opts.pkcs11_module.empty()) {
            opts.pkcs11_module = e.value;
        } else if (iequals(e.key, "PIN") && !e.value.empty()) {
            notes.emplace_back(e.line, at_line(file, e.line) + "a PIN in the config file is used; a PIN file is "
                                                              "safer (--pin-file FILE, mode 0600)");
            if (opts.config_pin.empty())
                opts.config_pin.assign(e.value.begin(), e.value.end());
        }
    }
    return {};
}

} // namespace

result<config_file> parse_config(std::string_view text, std::string_view name)
{
    config_file file;
    file.name = std::string(name);
    const auto lines = split_lines(text);
    const bool sectioned = std::any_of(lines.begin(), lines.end(), [](std::string_view l) {
        l = trim(l);
        return !l.empty() && l.front() == '[';
    });
    file.format = sectioned ? config_format::sectioned : config_format::flat;

    std::string section;
    for (std::size_t n = 0; n < lines.size(); ++n) {
        const line_parser at{name, n + 1};
        const auto line = lines[n];
        if (is_blank_or_comment(line))
            continue;
        if (line.find('\0') != std::string_view::npos)
            return at.error("NUL byte in config file");
        if (!sectioned) {
            auto e = parse_flat_line(at, line, file.warnings);
            if (!e)
                return e.error();
            file.entries.push_back(std::move(*e));
        } else if (trim(line).front() == '[') {
            auto s = parse_section_header(at, line);
            if (!s)
                return s.error();
            section = std::move(*s);
        } else {
            auto e = parse_sectioned_line(at, line, section);
            if (!e)
                return e.error();
            file.entries.push_back(std::move(*e));
        }
    }
    return file;
}

result<config_file> read_config_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return config_error(path, 0, std::string("cannot open config file: ") + std::strerror(errno));
    std::string text;
    char buf[8192];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        text.append(buf, static_cast<std::size_t>(in.gcount()));
        if (text.size() > max_config_file_size)
            return config_error(path, 0, "config file is larger than " + std::to_string(max_config_file_size) + " bytes");
    }
    if (in.bad())
        return config_error(path, 0, std::string("cannot read config file: ") + std::strerror(errno));
    return parse_config(text, path);
}

result<void> apply_config(const config_file& file, options& opts, std::vector<std::string>& warnings)
{
    const operation op = opts.op;
    std::vector<std::pair<std::size_t, std::string>> notes; // (line, text), sorted at the end

    // sscep 0.10's OpenSSL engine: `engine = NAME` in [sscep] names a
    // section whose engine_id must be pkcs11 (its MODULE_PATH is the
    // module); [sscep_engine_pkcs11] may hold the PIN.
    std::set<std::string> engine_sections;
    for (const auto& e : file.entries) {
        if (iequals(e.key, "engine") && (e.section.empty() || e.section == "sscep") && !e.value.empty()) {
            engine_sections.insert(e.value);
            if (auto r = apply_engine(file, e, opts, notes); !r)
                return r.error();
        }
    }

    std::set<std::string> unknown_sections_warned;
    std::vector<const config_entry*> generic;
    std::vector<const config_entry*> specific;
    for (const auto& e : file.entries) {
        const auto role = role_of(file, e.section, op, engine_sections);
        if (role == section_role::engine)
            continue;
        if (role == section_role::unknown) {
            if (unknown_sections_warned.insert(e.section).second)
                notes.emplace_back(e.line, file.name + ":" + std::to_string(e.line) + ": unknown section ["
                                               + e.section + "] ignored");
            continue;
        }
        const auto* spec = find_key(e.key);
        if (spec == nullptr) {
            notes.emplace_back(e.line, file.name + ":" + std::to_string(e.line) + ": unknown key '" + e.key
                                           + "' ignored");
            continue;
        }
        if (role == section_role::generic)
            generic.push_back(&e);
        else if (role == section_role::this_operation)
            specific.push_back(&e);
    }

    // Priority order: the first entry that reaches an option sets it.
    std::vector<const config_entry*> order;
    if (file.format == config_format::sectioned) {
        order.insert(order.end(), specific.rbegin(), specific.rend());
        order.insert(order.end(), generic.rbegin(), generic.rend());
    } else {
        order = generic;
    }

    std::set<int> seen; // options already set from the file
    for (const auto* e : order) {
        const auto* spec = find_key(e->key);
        if (spec->kind == key_kind::engine || e->value.empty())
            continue;
        const auto* opt = detail::find_option(spec->option_id);
        if (opt == nullptr || !opt->valid_for(op) || (spec->only_for != 0 && (spec->only_for & bit(op)) == 0))
            continue;
        auto bad = [&](const std::string& why) {
            return config_error(file.name, e->line, e->key + ": " + why);
        };
        // Values are checked even when the command line overrides them: a bad
        // file is reported the same way whatever the command line says.
        const bool taken = opt->is_set(opts) || seen.count(spec->option_id) != 0;
        options scratch;
        scratch.op = op;
        options& target = taken ? scratch : opts;

        switch (spec->kind) {
        case key_kind::boolean: {
            const auto b = parse_bool(e->value);
            if (!b)
                return bad("'" + e->value + "' is not yes/no, true/false or 1/0");
            if (*b)
                (void)opt->set(target, {});
            break;
        }
        case key_kind::query: {
            std::string_view rest = e->value;
            while (true) {
                const auto amp = rest.find('&');
                if (auto why = opt->set(target, rest.substr(0, amp)))
                    return bad(*why);
                if (amp == std::string_view::npos)
                    break;
                rest.remove_prefix(amp + 1);
            }
            break;
        }
        case key_kind::value:
            if (auto why = opt->set(target, e->value))
                return bad(*why);
            break;
        case key_kind::engine:
            break;
        }
        seen.insert(spec->option_id);
    }

    std::stable_sort(notes.begin(), notes.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& n : notes)
        warnings.push_back(std::move(n.second));
    return {};
}

} // namespace ascep::cli
