#include "fleet/progress.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <unistd.h>

#include <cstdio>

namespace ascep::fleet {
namespace {

std::string clock_text(double seconds)
{
    const auto s = static_cast<long>(seconds + 0.5);
    char buf[32];
    if (s >= 3600)
        std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else
        std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
    return buf;
}

std::int64_t unix_ms()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

constexpr auto plain_every = std::chrono::seconds(5);

} // namespace

progress::progress(const fleet_settings& s, std::size_t total)
    : settings_(s), start_(std::chrono::steady_clock::now())
{
    counts.total = total;
    tty_ = s.progress == progress_style::automatic && s.messages != nullptr && ::isatty(::fileno(s.messages)) == 1;
}

std::string progress::line() const
{
    const auto& c = counts;
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double rate = elapsed > 0 ? static_cast<double>(c.issued_now) / elapsed : 0;
    const std::size_t done = c.issued + c.failed + c.pending + c.interrupted;
    std::string text = "issued " + std::to_string(c.issued) +
                       (c.renewed != 0 ? " (renewed " + std::to_string(c.renewed) + ")" : std::string()) +
                       " / pending " + std::to_string(c.waiting + c.pending) +
                       " / failed " + std::to_string(c.failed) + " / total " + std::to_string(c.total);
    char buf[64];
    std::snprintf(buf, sizeof buf, ", %.1f/s", rate);
    text += buf;
    if (rate > 0 && done < c.total)
        text += ", ETA " + clock_text(static_cast<double>(c.total - done) / rate);
    text += ", " + clock_text(elapsed);
    return text;
}

void progress::tick(bool force)
{
    if (settings_.progress == progress_style::none || settings_.messages == nullptr)
        return;
    if (tty_) {
        // Erase to the end of the line: the new text may be shorter.
        std::fprintf(settings_.messages, "\r%s\x1b[K", line().c_str());
        std::fflush(settings_.messages);
        line_shown_ = true;
        return;
    }
    const auto now = std::chrono::steady_clock::now();
    if (!force && now - last_plain_ < plain_every)
        return;
    last_plain_ = now;
    std::fprintf(settings_.messages, "ascep: fleet: %s\n", line().c_str());
    std::fflush(settings_.messages);
}

void progress::message(const std::string& text)
{
    if (settings_.messages == nullptr)
        return;
    if (tty_ && line_shown_)
        std::fputs("\r\x1b[K", settings_.messages);
    std::fprintf(settings_.messages, "ascep: %s\n", text.c_str());
    if (tty_ && line_shown_)
        tick();
    std::fflush(settings_.messages);
}

void progress::event(const device_event& e)
{
    if (!settings_.jsonl || settings_.events == nullptr)
        return;
    boost::json::object o;
    o["time_ms"] = unix_ms();
    o["id"] = e.id;
    o["event"] = e.event;
    if (!e.transaction_id.empty())
        o["transaction_id"] = e.transaction_id;
    if (!e.detail.empty())
        o[e.event == "issued" || e.event == "skipped" || e.event == "renewed" ? "serial" : "reason"] = e.detail;
    if (!e.old_serial.empty())
        o["old_serial"] = e.old_serial;
    if (!e.not_after.empty())
        o["not_after"] = e.not_after;
    if (e.messages != 0)
        o["messages"] = e.messages;
    if (e.duration_ms >= 0)
        o["duration_ms"] = e.duration_ms;
    // Written whole and flushed at once, whatever `events` is: stdio buffers
    // a pipe or a file in 4 KiB blocks, and `ascep fleet --jsonl | jq` then
    // saw events minutes late, the last of a block cut in half.
    auto text = boost::json::serialize(o);
    text += '\n';
    std::fwrite(text.data(), 1, text.size(), settings_.events);
    std::fflush(settings_.events);
}

void progress::finish(bool interrupted)
{
    if (settings_.messages == nullptr)
        return;
    if (tty_ && line_shown_)
        std::fputs("\r\x1b[K", settings_.messages);
    std::string text = "fleet: " + std::string(interrupted ? "interrupted: " : "done: ") + line();
    if (counts.already != 0)
        text += " (" + std::to_string(counts.already) + " issued before this run)";
    if (counts.interrupted != 0)
        text += ", " + std::to_string(counts.interrupted) + " not finished (run the same command again to resume)";
    std::fprintf(settings_.messages, "ascep: %s\n", text.c_str());
    std::fflush(settings_.messages);
    if (settings_.events != nullptr)
        std::fflush(settings_.events);
}

} // namespace ascep::fleet
