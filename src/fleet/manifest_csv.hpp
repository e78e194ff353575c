// RFC 4180 records from a file descriptor, one at a time, for the manifest.
// Kept apart from the manifest's columns and checks so the quoting rules can
// be read (and fuzzed) on their own.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace ascep::fleet {

class csv_reader {
public:
    /// Takes ownership of `fd` (closed by the destructor). `max_record` bounds
    /// the bytes of one record, so one bad row cannot make us hold the file.
    csv_reader(int fd, std::size_t max_record);
    csv_reader(csv_reader&&) noexcept;
    csv_reader& operator=(csv_reader&&) = delete;
    csv_reader(const csv_reader&) = delete;
    ~csv_reader();

    enum class result { record, end, bad };

    /// The next record that is neither blank nor a '#' comment: its fields
    /// (quotes removed, "" turned into ") and the 1-based line it starts on.
    /// `bad` with `error` set for a stray or unterminated quote or an
    /// over-long record; reading goes on at the next line. A read error is
    /// `bad` with line 0, after which the reader is at its end.
    result next(std::vector<std::string>& fields, std::size_t& line, std::string& error);

private:
    static constexpr int eof = -1;
    int get()
    {
        if (pos_ == len_ && !refill())
            return eof;
        return static_cast<unsigned char>(buffer_[pos_++]);
    }
    int peek()
    {
        if (pos_ == len_ && !refill())
            return eof;
        return static_cast<unsigned char>(buffer_[pos_]);
    }
    bool refill();
    void skip_line();

    int fd_;
    std::size_t max_record_;
    std::vector<char> buffer_;
    std::size_t pos_ = 0, len_ = 0;
    std::size_t line_ = 1;
    bool at_start_ = true;  ///< a UTF-8 BOM is still possible
    std::string io_error_;  ///< set once a read fails
    bool io_reported_ = false;
};

} // namespace ascep::fleet
