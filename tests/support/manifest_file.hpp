// The fleet manifests the end-to-end tests write: n numbered devices, one
// row each, with the columns a test needs (docs/fleet.md has the format).
#pragma once

#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace ascep::test {

struct manifest_columns {
    /// printf format of a device's id from its number.
    const char* id_format = "dev-%04zu";
    /// The number of the first device.
    std::size_t first = 1;
    /// A subject column "CN=<id>,O=<organization>"; none when empty.
    std::string organization = "Fleet Test";
    /// A dns column "<id>.example.test".
    bool dns = true;
};

/// The id of device `i` (i counts from `columns.first`).
inline std::string manifest_id(std::size_t i, const manifest_columns& columns = {})
{
    char id[64];
    std::snprintf(id, sizeof id, columns.id_format, i);
    return id;
}

/// Writes a manifest of `n` devices to `file` (replacing it).
inline void write_manifest(const std::filesystem::path& file, std::size_t n, const manifest_columns& columns = {})
{
    std::ofstream out(file);
    out << "id";
    if (!columns.organization.empty())
        out << ",subject";
    if (columns.dns)
        out << ",dns";
    out << "\n";
    for (std::size_t i = columns.first; i < columns.first + n; ++i) {
        const auto id = manifest_id(i, columns);
        out << id;
        if (!columns.organization.empty())
            out << ",\"CN=" << id << ",O=" << columns.organization << "\"";
        if (columns.dns)
            out << "," << id << ".example.test";
        out << "\n";
    }
}

} // namespace ascep::test
