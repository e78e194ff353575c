#include "testca/event_log.hpp"

#include <boost/json.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <system_error>

namespace ascep::testca {
namespace {

namespace json = boost::json;

/// RFC 3339 UTC with milliseconds: 2026-12-05T03:04:05.123Z.
std::string rfc3339(std::chrono::system_clock::time_point t)
{
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    const std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    ::gmtime_r(&secs, &tm);
    char buf[40];
    const auto n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms % 1000));
    return buf;
}

} // namespace

std::string to_json_line(const request_event& e)
{
    json::object o;
    o["time"] = rfc3339(e.time);
    if (!e.profile.empty())
        o["profile"] = e.profile;
    o["operation"] = e.operation;
    if (!e.message_type.empty())
        o["messageType"] = e.message_type;
    if (!e.transaction_id.empty())
        o["transactionID"] = e.transaction_id;
    if (!e.signer.empty())
        o["signer"] = e.signer;
    if (e.fault.empty())
        o["fault"] = nullptr;
    else
        o["fault"] = e.fault;
    o["status"] = e.status;
    o["result"] = e.result;
    return json::serialize(o);
}

event_log::event_log(const std::filesystem::path& path)
{
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0)
        throw std::system_error(errno, std::generic_category(), "open " + path.string());
}

event_log::~event_log()
{
    if (fd_ >= 0)
        ::close(fd_);
}

void event_log::append(const std::string& line)
{
    // One write(2): with O_APPEND the line lands whole. A failure is not the
    // client's problem; the log says what it can.
    const auto text = line + "\n";
    std::size_t done = 0;
    while (done < text.size()) {
        const auto n = ::write(fd_, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        done += static_cast<std::size_t>(n);
    }
}

void event_log::write(const request_event& e)
{
    append(to_json_line(e));
}

void event_log::write_start(const std::string& listen_url, const std::string& faults, std::uint64_t seed)
{
    json::object o;
    o["time"] = rfc3339(std::chrono::system_clock::now());
    o["event"] = "start";
    o["url"] = listen_url;
    o["faults"] = faults;
    o["seed"] = seed;
    append(json::serialize(o));
}

void event_log::sync()
{
    ::fdatasync(fd_);
}

} // namespace ascep::testca
