#include "fleet/manifest_csv.hpp"

#include <cerrno>
#include <cstring>
#include <utility>

#include <unistd.h>

namespace ascep::fleet {
namespace {

// Big enough that a million-row file costs few read() calls; small enough
// not to matter next to the id set.
constexpr std::size_t buffer_size = 64 * 1024;

bool is_blank(const std::string& s)
{
    return s.find_first_not_of(" \t") == std::string::npos;
}

} // namespace

csv_reader::csv_reader(int fd, std::size_t max_record)
    : fd_(fd), max_record_(max_record), buffer_(buffer_size)
{
}

csv_reader::csv_reader(csv_reader&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      max_record_(other.max_record_),
      buffer_(std::move(other.buffer_)),
      pos_(other.pos_),
      len_(other.len_),
      line_(other.line_),
      at_start_(other.at_start_),
      io_error_(std::move(other.io_error_)),
      io_reported_(other.io_reported_)
{
    other.pos_ = other.len_ = 0;
}

csv_reader::~csv_reader()
{
    if (fd_ >= 0)
        ::close(fd_);
}

bool csv_reader::refill()
{
    if (!io_error_.empty() || fd_ < 0)
        return false;
    for (;;) {
        const ssize_t n = ::read(fd_, buffer_.data(), buffer_.size());
        if (n > 0) {
            pos_ = 0;
            len_ = static_cast<std::size_t>(n);
            return true;
        }
        if (n == 0)
            return false;
        if (errno != EINTR) {
            io_error_ = std::strerror(errno);
            return false;
        }
    }
}

// Recovery after a bad record: the rest of the physical line belongs to it.
void csv_reader::skip_line()
{
    for (int c = get(); c != eof; c = get())
        if (c == '\n') {
            ++line_;
            return;
        }
}

csv_reader::result csv_reader::next(std::vector<std::string>& fields, std::size_t& line, std::string& error)
{
    if (at_start_) {
        at_start_ = false;
        // The BOM may be split over read() calls only for a pipe; gather
        // three bytes so that case is not a special one.
        while (len_ < 3 && io_error_.empty()) {
            const ssize_t n = ::read(fd_, buffer_.data() + len_, buffer_.size() - len_);
            if (n > 0)
                len_ += static_cast<std::size_t>(n);
            else if (n == 0)
                break;
            else if (errno != EINTR)
                io_error_ = std::strerror(errno);
        }
        if (len_ >= 3 && std::memcmp(buffer_.data(), "\xEF\xBB\xBF", 3) == 0)
            pos_ = 3;
    }

    enum class in { field_start, unquoted, quoted, after_quote };
    for (;;) {
        // Comments only count at a record's start; a CRLF blank line is
        // read as a record of one blank field and dropped below.
        int c = peek();
        if (c == eof) {
            if (!io_error_.empty() && !io_reported_) {
                io_reported_ = true;
                line = 0;
                error = "read error: " + io_error_;
                return result::bad;
            }
            return result::end;
        }
        if (c == '\n' || c == '#') {
            skip_line();
            continue;
        }

        line = line_;
        fields.clear();
        fields.emplace_back();
        error.clear();
        std::size_t size = 0;
        bool quoted_seen = false;
        in state = in::field_start;
        for (;;) {
            c = get();
            if (c == eof) {
                if (state == in::quoted && error.empty())
                    error = "unterminated quote: the record's last quoted field is never closed";
                break;
            }
            if (++size > max_record_) {
                error = state == in::quoted
                            ? "a quoted field here is not closed within 64 KiB (unterminated quote?)"
                            : "record longer than 64 KiB";
                if (c != '\n')
                    skip_line();
                else
                    ++line_;
                return result::bad;
            }
            const bool line_end = c == '\n' || (c == '\r' && peek() == '\n');
            if (state == in::quoted) {
                if (c == '"')
                    state = in::after_quote;
                else {
                    if (c == '\n')
                        ++line_;
                    fields.back() += static_cast<char>(c);
                }
                continue;
            }
            if (line_end) {
                if (c == '\r')
                    get();
                ++line_;
                break;
            }
            if (c == ',') {
                fields.emplace_back();
                state = in::field_start;
                continue;
            }
            if (c == '"') {
                if (state == in::field_start) {
                    state = in::quoted;
                    quoted_seen = true;
                    continue;
                }
                if (state == in::after_quote) { // "" inside quotes
                    fields.back() += '"';
                    state = in::quoted;
                    continue;
                }
                if (error.empty())
                    error = "a quote inside an unquoted field (quote the whole field and double the quote)";
            } else if (state == in::after_quote && error.empty()) {
                error = "text after a closing quote (quote the whole field)";
            }
            fields.back() += static_cast<char>(c);
            state = in::unquoted;
        }
        if (!error.empty())
            return result::bad;
        // A line of blanks is as empty as an empty one.
        if (fields.size() == 1 && !quoted_seen && is_blank(fields.front()))
            continue;
        return result::record;
    }
}

} // namespace ascep::fleet
