// A private temporary directory for files a test hands to external programs,
// removed with everything in it when the test ends.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>
#include <vector>

namespace ascep::test {

class temp_dir {
public:
    /// Creates a fresh directory under $TMPDIR (or /tmp). Throws std::system_error.
    temp_dir();
    ~temp_dir();
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    /// The path of `name` inside the directory, whether or not it exists.
    std::filesystem::path file(std::string_view name) const { return path_ / name; }

    /// Writes `content` to `name` (replacing it) and returns its path. Throws std::runtime_error.
    std::filesystem::path write(std::string_view name, std::span<const std::uint8_t> content) const;
    std::filesystem::path write(std::string_view name, std::string_view content) const;
    /// The whole content of `name`. Throws std::runtime_error when it cannot be read.
    std::vector<std::uint8_t> read(std::string_view name) const;

private:
    std::filesystem::path path_;
};

} // namespace ascep::test
