#include "fleet/manifest.hpp"

#include "fleet/manifest_csv.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <unordered_map>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ascep::fleet {
namespace {

enum column_id : std::size_t { id_col, subject_col, dns_col, ip_col, email_col, challenge_col, key_col, column_count };
constexpr std::array<std::string_view, column_count> column_names{"id", "subject", "dns", "ip", "email", "challenge", "key"};
constexpr std::size_t absent = static_cast<std::size_t>(-1);

// Past this, one more problem line tells the user nothing new.
constexpr std::size_t max_reported_problems = 100;

std::string_view trim(std::string_view s)
{
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string_view::npos)
        return {};
    const auto e = s.find_last_not_of(" \t");
    return s.substr(b, e - b + 1);
}

// Manifest text goes into messages printed on a terminal: control bytes are
// escaped and long values cut, so a hostile or binary file cannot garble it.
std::string shown(std::string_view s)
{
    constexpr std::size_t max_shown = 80;
    std::string out = "'";
    for (std::size_t i = 0; i < s.size() && i < max_shown; ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c == 0x7f) {
            static constexpr char hex[] = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    if (s.size() > max_shown)
        out += "...";
    return out + "'";
}

std::vector<std::string> split_list(std::string_view text)
{
    std::vector<std::string> items;
    while (!text.empty()) {
        const auto semi = text.find(';');
        const auto item = trim(text.substr(0, semi));
        if (!item.empty())
            items.emplace_back(item);
        if (semi == std::string_view::npos)
            break;
        text.remove_prefix(semi + 1);
    }
    return items;
}

void add(std::string& messages, const std::string& message)
{
    if (!messages.empty())
        messages += "; ";
    messages += message;
}

// Existence and readability only: the key is parsed when the device runs,
// and a key that cannot be parsed fails that one device.
std::optional<std::string> check_key_file(const std::string& path)
{
    if (path.find('\0') != std::string::npos)
        return "key path contains a NUL byte";
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0)
        return "key file " + shown(path) + ": " + std::strerror(errno);
    if (!S_ISREG(st.st_mode))
        return "key file " + shown(path) + " is not a regular file";
    if (::access(path.c_str(), R_OK) != 0)
        return "key file " + shown(path) + " is not readable: " + std::strerror(errno);
    return std::nullopt;
}

} // namespace

bool is_safe_device_id(std::string_view id)
{
    if (id.empty() || id.size() > 128 || id.front() == '.' || id.front() == '-')
        return false; // also rules out "." and ".."
    for (char c : id) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                        c == '_' || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

struct manifest_reader::state {
    csv_reader csv;
    std::filesystem::path base_dir;
    std::array<std::size_t, column_count> column{};
    std::size_t width = 0;
    /// id -> line of its first record; the only thing that grows with the file.
    std::unordered_map<std::string, std::size_t> seen;
    std::vector<std::string> fields; ///< reused between records: no allocation per row

    std::string_view field(column_id c) const
    {
        const auto i = column[c];
        return i < fields.size() ? std::string_view(fields[i]) : std::string_view();
    }
    std::string check_record(device& out, std::size_t line);
};

manifest_reader::manifest_reader(std::unique_ptr<state> s) : state_(std::move(s)) {}
manifest_reader::manifest_reader(manifest_reader&&) noexcept = default;
manifest_reader& manifest_reader::operator=(manifest_reader&&) noexcept = default;
manifest_reader::~manifest_reader() = default;

std::optional<manifest_reader> manifest_reader::open(const std::string& path, manifest_problem& problem)
{
    problem = {0, {}};
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        problem.message = "cannot open manifest " + shown(path) + ": " + std::strerror(errno);
        return std::nullopt;
    }
    struct stat st{};
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        ::close(fd);
        problem.message = "manifest " + shown(path) + " is a directory";
        return std::nullopt;
    }
    auto s = std::make_unique<state>(state{csv_reader(fd, max_manifest_record), {}, {}, 0, {}, {}});

    std::error_code ec;
    s->base_dir = std::filesystem::absolute(path, ec).parent_path();
    if (ec) {
        problem.message = "cannot resolve the manifest's directory: " + ec.message();
        return std::nullopt;
    }

    std::string error;
    std::size_t line = 0;
    switch (s->csv.next(s->fields, line, error)) {
    case csv_reader::result::end:
        problem.message = "manifest " + shown(path) + " is empty: it needs a header row naming its columns";
        return std::nullopt;
    case csv_reader::result::bad:
        problem = {line, "header: " + error};
        return std::nullopt;
    case csv_reader::result::record:
        break;
    }
    problem.line = line;
    s->column.fill(absent);
    s->width = s->fields.size();
    std::string unknown;
    for (std::size_t i = 0; i < s->fields.size(); ++i) {
        const auto name = trim(s->fields[i]);
        std::size_t c = 0;
        while (c < column_count && column_names[c] != name)
            ++c;
        if (c == column_count) {
            unknown += (unknown.empty() ? "" : ", ") + shown(name);
        } else if (s->column[c] != absent) {
            problem.message = "header: column '" + std::string(name) + "' appears twice";
            return std::nullopt;
        } else {
            s->column[c] = i;
        }
    }
    if (!unknown.empty()) {
        problem.message = "header: unknown column(s) " + unknown + " (known: id, subject, dns, ip, email, challenge, key)";
        return std::nullopt;
    }
    if (s->column[id_col] == absent) {
        problem.message = "header: no 'id' column";
        return std::nullopt;
    }
    problem = {};
    return manifest_reader(std::move(s));
}

bool manifest_reader::next(device& out, std::optional<manifest_problem>& problem)
{
    problem.reset();
    std::string error;
    std::size_t line = 0;
    switch (state_->csv.next(state_->fields, line, error)) {
    case csv_reader::result::end:
        return false;
    case csv_reader::result::bad:
        problem = manifest_problem{line, std::move(error)};
        return true;
    case csv_reader::result::record:
        break;
    }
    error = state_->check_record(out, line);
    if (!error.empty())
        problem = manifest_problem{line, std::move(error)};
    return true;
}

// Every problem of the row in one message, so one pass over a manifest shows
// all that must be fixed.
std::string manifest_reader::state::check_record(device& out, std::size_t line)
{
    if (fields.size() > width)
        return std::to_string(fields.size()) + " fields, but the header has " + std::to_string(width) +
               " (quote fields that contain commas)";

    std::string messages;
    out.line = line;
    out.id = trim(field(id_col));
    if (out.id.empty()) {
        add(messages, "empty id");
    } else if (!is_safe_device_id(out.id)) {
        add(messages, "unsafe id " + shown(out.id) +
                          " (allowed: letters, digits, '.', '_', '-'; at most 128; not starting with '.' or '-')");
    } else if (const auto [it, fresh] = seen.try_emplace(out.id, line); !fresh) {
        add(messages, "duplicate id " + shown(out.id) + " (first at line " + std::to_string(it->second) + ")");
    }

    out.subject.clear();
    std::optional<Botan::X509_DN> dn;
    if (const auto text = trim(field(subject_col)); !text.empty()) {
        std::string why;
        auto attrs = scep::parse_dn_text(text, why);
        if (attrs)
            dn = scep::make_dn(*attrs, why);
        if (!dn)
            add(messages, "subject " + shown(text) + ": " + why);
        else
            out.subject = std::move(*attrs);
    }

    out.dns = split_list(field(dns_col));
    out.ip = split_list(field(ip_col));
    out.email = split_list(field(email_col));
    if (!out.dns.empty() || !out.ip.empty() || !out.email.empty()) {
        // check_csr_fields wants a subject; any valid one will do for
        // judging the subjectAltNames.
        scep::csr_fields names;
        if (dn)
            names.subject = std::move(*dn);
        else
            names.subject.add_attribute("X520.CommonName", "device");
        names.dns = out.dns;
        names.ip = out.ip;
        names.email = out.email;
        if (auto why = scep::check_csr_fields(names))
            add(messages, *why);
    }

    out.challenge = field(challenge_col);
    out.key_file.clear();
    if (const auto key = trim(field(key_col)); !key.empty()) {
        const std::filesystem::path p(key);
        out.key_file = (p.is_absolute() ? p : base_dir / p).lexically_normal().string();
        if (auto why = check_key_file(out.key_file))
            add(messages, *why);
    }
    return messages;
}

manifest_check check_manifest(const std::string& path)
{
    manifest_check check;
    manifest_problem opened;
    auto reader = manifest_reader::open(path, opened);
    if (!reader) {
        check.problems.push_back(std::move(opened));
        return check;
    }
    device d;
    std::optional<manifest_problem> problem;
    std::size_t unreported = 0;
    while (reader->next(d, problem)) {
        if (!problem)
            ++check.devices;
        else if (check.problems.size() < max_reported_problems)
            check.problems.push_back(std::move(*problem));
        else
            ++unreported;
    }
    if (unreported > 0)
        check.problems.push_back({0, "... and " + std::to_string(unreported) + " more"});
    return check;
}

} // namespace ascep::fleet
