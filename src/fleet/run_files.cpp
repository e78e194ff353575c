#include "fleet/run_files.hpp"

#include "io/durable_file.hpp"

#include <charconv>
#include <fstream>
#include <vector>

namespace ascep::fleet {
namespace {

std::string shard_path(const std::string& dir)
{
    return dir + "/.shard";
}

std::string last_success_path(const std::string& dir)
{
    return dir + "/.last_success";
}

/// The file's first line, or nullopt when it does not exist.
std::optional<std::string> first_line(const std::string& path, std::string& error)
{
    std::vector<std::uint8_t> bytes;
    if (!io::file_exists(path))
        return std::nullopt;
    if (auto why = io::read_file(path, bytes, 4096); !why.empty()) {
        error = why;
        return std::nullopt;
    }
    std::string text(bytes.begin(), bytes.end());
    if (const auto nl = text.find('\n'); nl != std::string::npos)
        text.resize(nl);
    return text;
}

} // namespace

std::optional<shard_spec> read_shard_file(const std::string& dir, std::string& error)
{
    error.clear();
    const auto text = first_line(shard_path(dir), error);
    if (!text)
        return std::nullopt;
    std::string why;
    auto spec = parse_shard(*text, why);
    if (!spec)
        error = shard_path(dir) + ": " + why + " (it records the --shard of the runs that write " + dir + ")";
    return spec;
}

std::string claim_shard(const std::string& dir, shard_spec shard)
{
    std::string error;
    const auto recorded = read_shard_file(dir, error);
    if (!error.empty())
        return error;
    if (recorded) {
        if (*recorded == shard)
            return {};
        const auto mine = shard.whole() ? std::string("the whole manifest (no --shard)") : "--shard " + to_string(shard);
        const auto theirs = recorded->whole() ? std::string("the whole manifest (no --shard)")
                                              : "shard " + to_string(*recorded);
        return dir + " holds the journal of " + theirs + " (" + shard_path(dir) + "); this run is for " + mine +
               ": give each shard its own --out directory; nothing was sent";
    }
    if (auto why = io::write_file_atomic(shard_path(dir), to_string(shard) + "\n", 0600); !why.empty())
        return why;
    return {};
}

std::optional<std::int64_t> read_last_success(const std::string& dir)
{
    std::string error;
    const auto text = first_line(last_success_path(dir), error);
    if (!text)
        return std::nullopt;
    std::int64_t t = 0;
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), t);
    if (ec != std::errc() || end != text->data() + text->size() || t <= 0)
        return std::nullopt; // a damaged file says nothing; the next success rewrites it
    return t;
}

std::string write_last_success(const std::string& dir, std::int64_t unix_seconds)
{
    return io::write_file_atomic(last_success_path(dir), std::to_string(unix_seconds) + "\n", 0600);
}

} // namespace ascep::fleet
