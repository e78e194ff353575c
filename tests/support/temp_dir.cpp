#include "temp_dir.hpp"

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <system_error>

namespace ascep::test {

temp_dir::temp_dir()
{
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/ascep-test-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr)
        throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
    path_ = pattern;
}

temp_dir::~temp_dir()
{
    // Never throw from a destructor; a leftover directory in /tmp is harmless.
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

std::filesystem::path temp_dir::write(std::string_view name, std::span<const std::uint8_t> content) const
{
    const auto p = file(name);
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(content.data()), static_cast<std::streamsize>(content.size()));
    out.close();
    if (!out)
        throw std::runtime_error("cannot write " + p.string());
    return p;
}

std::filesystem::path temp_dir::write(std::string_view name, std::string_view content) const
{
    return write(name, std::span(reinterpret_cast<const std::uint8_t*>(content.data()), content.size()));
}

std::vector<std::uint8_t> temp_dir::read(std::string_view name) const
{
    const auto p = file(name);
    std::ifstream in(p, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot read " + p.string());
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace ascep::test
