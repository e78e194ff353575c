#include "io/pair_swap.hpp"

#include "io/durable_file.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace ascep::io {
namespace {

std::string failed(const char* what, const std::string& path)
{
    return std::string("cannot ") + what + " " + path + ": " + std::strerror(errno);
}

/// Makes a rename or unlink in `path`'s directory durable.
std::string sync_directory_of(const std::string& path)
{
    const std::filesystem::path p(path);
    const auto dir = p.has_parent_path() ? p.parent_path() : std::filesystem::path(".");
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || ::fsync(dfd) != 0) {
        const auto why = failed("sync", dir.string());
        if (dfd >= 0)
            ::close(dfd);
        return why;
    }
    ::close(dfd);
    return {};
}

std::string rename_durable(const std::string& from, const std::string& to)
{
    if (::rename(from.c_str(), to.c_str()) != 0)
        return failed("rename", from + " to " + to);
    return sync_directory_of(to);
}

std::string remove_durable(const std::string& path)
{
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
        return failed("remove", path);
    return sync_directory_of(path);
}

// Keys and certificates are small; anything larger is not one of ours.
constexpr std::size_t max_pair_file = 1024 * 1024;

} // namespace

pair_decision next_step(const pair_files& f, const pair_paths& p)
{
    if (!f.key)
        return {pair_step::broken, "the key " + p.key + " is missing"};
    if (!f.key_new && !f.cert_new) {
        if (!f.cert)
            return {pair_step::broken, "the certificate " + p.cert + " is missing"};
        return {pair_step::idle, {}};
    }
    if (f.key_new && !f.cert_new) {
        if (!f.cert)
            return {pair_step::broken, "the certificate " + p.cert + " is missing while " + p.key_new() +
                                           " waits for its certificate"};
        return {pair_step::request, {}};
    }
    if (f.key_new)
        return {f.cert ? pair_step::keep_previous : pair_step::install_key, {}};
    if (!f.cert)
        return {pair_step::install_cert, {}};
    // Installing the key happens only after CERT is removed, so a new
    // certificate beside a present CERT without KEY.new is no state of ours.
    return {pair_step::broken, p.cert_new() + " exists but " + p.key_new() + " does not, and " + p.cert +
                                   " is still there: check which key " + p.cert_new() +
                                   " is for, then remove or install it by hand"};
}

pair_files look_at(const pair_paths& p)
{
    return {file_exists(p.key), file_exists(p.cert), file_exists(p.key_new()), file_exists(p.cert_new())};
}

std::string copy_file_durable(const std::string& from, const std::string& to)
{
    struct stat st {};
    if (::stat(from.c_str(), &st) != 0)
        return failed("read", from);
    std::vector<std::uint8_t> content;
    if (auto why = read_file(from, content, max_pair_file); !why.empty())
        return why;
    return write_file_atomic(to, content, st.st_mode & 07777);
}

std::string abandon_new_key(const pair_paths& p)
{
    return remove_durable(p.key_new());
}

std::string finish_swap(const pair_paths& p, pair_step from)
{
    std::string why;
    switch (from) {
    case pair_step::keep_previous:
        // KEY and CERT are still the old pair here (a re-run that finds this
        // state copies them again: the same content).
        if (why = copy_file_durable(p.key, p.key_prev()); !why.empty())
            return why;
        if (why = copy_file_durable(p.cert, p.cert_prev()); !why.empty())
            return why;
        crash_point("previous-kept");
        if (why = remove_durable(p.cert); !why.empty())
            return why;
        crash_point("cert-removed");
        [[fallthrough]];
    case pair_step::install_key:
        if (why = rename_durable(p.key_new(), p.key); !why.empty())
            return why;
        crash_point("key-installed");
        [[fallthrough]];
    case pair_step::install_cert:
        return rename_durable(p.cert_new(), p.cert);
    case pair_step::idle:
    case pair_step::request:
    case pair_step::broken:
        break;
    }
    return "nothing to install";
}

} // namespace ascep::io
