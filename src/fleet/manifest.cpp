#include "fleet/manifest.hpp"

#include "fleet/manifest_csv.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <limits>
#include <map>
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
    std::vector<std::string> fields; ///< reused between records: no allocation per row
    shard_spec shard;                ///< only_shard(): the rows next() returns

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
    for (;;) {
        switch (state_->csv.next(state_->fields, line, error)) {
        case csv_reader::result::end:
            return false;
        case csv_reader::result::bad:
            problem = manifest_problem{line, std::move(error)};
            return true;
        case csv_reader::result::record:
            break;
        }
        // Another shard's row: its id is all we need to know that.
        if (state_->shard.whole() || in_shard(id_key(trim(state_->field(id_col))), state_->shard))
            break;
    }
    error = state_->check_record(out, line);
    if (!error.empty())
        problem = manifest_problem{line, std::move(error)};
    return true;
}

void manifest_reader::only_shard(shard_spec shard)
{
    state_->shard = shard;
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
    out.key = 0;
    if (out.id.empty())
        add(messages, "empty id");
    else if (!is_safe_device_id(out.id))
        add(messages, "unsafe id " + shown(out.id) +
                          " (allowed: letters, digits, '.', '_', '-'; at most 128; not starting with '.' or '-')");
    else
        out.key = id_key(out.id);

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

namespace {

/// What the check keeps of a row with a safe id: 12 bytes, so that a
/// million rows cost 12 MB rather than a set of a million strings.
struct keyed_line {
    std::uint32_t key_high, key_low, line;
    std::uint64_t key() const noexcept { return (std::uint64_t{key_high} << 32) | key_low; }
    friend bool operator<(const keyed_line& a, const keyed_line& b) noexcept
    {
        return a.key() != b.key() ? a.key() < b.key() : a.line < b.line;
    }
};

/// The lines of rows whose key another row shares, ascending: the only rows
/// whose ids must be compared. Sorts `rows`.
std::vector<std::size_t> lines_sharing_a_key(std::vector<keyed_line>& rows)
{
    std::sort(rows.begin(), rows.end());
    std::vector<std::size_t> lines;
    for (std::size_t i = 0; i < rows.size();) {
        std::size_t j = i + 1;
        while (j < rows.size() && rows[j].key() == rows[i].key())
            ++j;
        if (j - i > 1)
            for (std::size_t k = i; k < j; ++k)
                lines.push_back(rows[k].line);
        i = j;
    }
    std::sort(lines.begin(), lines.end());
    return lines;
}

struct duplicate_row {
    std::size_t line;
    std::string message;
    bool clean; ///< the row has no other problem: it was counted as a device
    bool in_shard;
};

/// The exact pass: reads the rows at `lines` (ascending) again and reports
/// every row whose id an earlier row has. Two rows whose keys collide but
/// whose ids differ are not duplicates.
std::vector<duplicate_row> find_duplicates(const std::string& path, const std::vector<std::size_t>& lines,
                                           shard_spec shard)
{
    std::vector<duplicate_row> found;
    manifest_problem opened;
    auto reader = manifest_reader::open(path, opened);
    if (!reader) // gone since the first pass: that pass's problems stand
        return found;
    std::map<std::string, std::size_t> first_line;
    device d;
    std::optional<manifest_problem> problem;
    auto wanted = lines.begin();
    while (wanted != lines.end() && reader->next(d, problem)) {
        const std::size_t line = problem ? problem->line : d.line;
        while (wanted != lines.end() && *wanted < line)
            ++wanted;
        if (wanted == lines.end() || *wanted != line || d.line != line || !is_safe_device_id(d.id))
            continue;
        const auto [it, fresh] = first_line.try_emplace(d.id, line);
        if (!fresh)
            found.push_back({line, "duplicate id " + shown(d.id) + " (first at line " + std::to_string(it->second) + ")",
                             !problem, in_shard(d.key, shard)});
    }
    return found;
}

} // namespace

manifest_check check_manifest(const std::string& path, shard_spec shard)
{
    manifest_check check;
    manifest_problem opened;
    auto reader = manifest_reader::open(path, opened);
    if (!reader) {
        check.problems.push_back(std::move(opened));
        return check;
    }
    std::vector<keyed_line> keyed;
    std::vector<manifest_problem> row_problems; // the first max_reported_problems, in line order
    std::size_t row_problem_count = 0;
    device d;
    std::optional<manifest_problem> problem;
    while (reader->next(d, problem)) {
        if (problem) {
            if (row_problems.size() < max_reported_problems)
                row_problems.push_back(std::move(*problem));
            ++row_problem_count;
        } else {
            ++check.devices;
            if (in_shard(d.key, shard))
                ++check.shard_devices;
        }
        // A record that is not CSV leaves `d` as the last one was.
        const bool fresh = !problem || problem->line == d.line;
        if (fresh && (!problem || is_safe_device_id(d.id))) {
            if (d.line > std::numeric_limits<std::uint32_t>::max()) {
                check.problems.push_back({0, "more than 4294967295 lines: split the manifest"});
                return check;
            }
            keyed.push_back({static_cast<std::uint32_t>(d.key >> 32), static_cast<std::uint32_t>(d.key),
                             static_cast<std::uint32_t>(d.line)});
        }
    }
    const auto suspects = lines_sharing_a_key(keyed);
    std::vector<keyed_line>().swap(keyed);
    std::vector<duplicate_row> duplicates;
    if (!suspects.empty())
        duplicates = find_duplicates(path, suspects, shard);

    // Both lists are in line order (a read error, line 0, comes last): merge
    // them, one message per line, the duplicate first.
    auto before = [](std::size_t a, std::size_t b) { return a != 0 && (b == 0 || a < b); };
    std::size_t total = row_problem_count;
    auto row = row_problems.begin();
    auto dup = duplicates.begin();
    while (row != row_problems.end() || dup != duplicates.end()) {
        manifest_problem next;
        if (dup != duplicates.end() && (row == row_problems.end() || !before(row->line, dup->line))) {
            next = {dup->line, std::move(dup->message)};
            if (dup->clean) {
                --check.devices;
                if (dup->in_shard)
                    --check.shard_devices;
                ++total;
            } else if (row != row_problems.end() && row->line == dup->line) {
                next.message += "; " + row->message;
                ++row;
            }
            ++dup;
        } else {
            next = std::move(*row++);
        }
        if (check.problems.size() < max_reported_problems)
            check.problems.push_back(std::move(next));
    }
    if (total > check.problems.size())
        check.problems.push_back({0, "... and " + std::to_string(total - check.problems.size()) + " more"});
    return check;
}

} // namespace ascep::fleet
