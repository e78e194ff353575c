// sscep's config file (-f), in both formats, detected automatically:
//
// flat (the sscep documentation, sscep <= 0.6):
//     # comment
//     URL        http://ca.example/cgi-bin/pkiclient.exe
//     CAIdentifier "My CA \"one\""
//
// sectioned (sscep 0.10, read there with OpenSSL NCONF):
//     [sscep]
//     URL = http://ca.example/scep
//     [sscep_enroll]
//     PrivateKeyFile = local.key
//
// A file is sectioned when any line (outside comments) starts with '['.
// Values fill the same options struct as the command line, which wins.
#pragma once

#include "cli/options.hpp"
#include "cli/parse_error.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ascep::cli {

enum class config_format { flat, sectioned };

struct config_entry {
    /// "" for the flat format and for lines before the first section.
    std::string section;
    std::string key;
    /// Unquoted and unescaped. May be empty ("URL =" in sscep's sample file),
    /// which apply_config treats as not set.
    std::string value;
    std::size_t line = 0; ///< 1-based
};

struct config_file {
    std::string name; ///< as given, for messages
    config_format format = config_format::flat;
    std::vector<config_entry> entries; ///< in file order
    /// Lines that parse but are suspicious (text after a flat value), one line
    /// each, already prefixed "FILE:LINE: ".
    std::vector<std::string> warnings;
};

/// Largest config file we read.
inline constexpr std::size_t max_config_file_size = 1024 * 1024;

/// Parses config text. `name` is used in messages only. Errors (config_file
/// kind, with `name` and the line): unterminated quote, a line that is
/// neither "Key Value", "Key = Value", "[section]" nor a comment.
result<config_file> parse_config(std::string_view text, std::string_view name);

/// Reads and parses a file. Errors: the file cannot be read (line 0), it is
/// larger than max_config_file_size, or parse_config's.
result<config_file> read_config_file(const std::string& path);

/// Fills the options the command line left unset from the entries that apply
/// to `opts.op`: in the flat format all of them; in the sectioned format
/// [sscep] (and lines before any section) for every operation and
/// [sscep_<operation>] for that operation, which wins over [sscep]. Within a
/// section the flat format keeps the first value of a key (as sscep did), the
/// sectioned the last (as OpenSSL does).
///
/// A key whose option is not valid for the operation is skipped (one file
/// serves every operation). Unknown keys, unknown sections and OpenSSL
/// engine settings give a warning line, appended to `warnings`.
/// Errors (config_file kind, with the line): a bad value for a key that
/// applies ("MaxPollCount: 'x' is not a number", "Verbose: 'maybe' is not
/// yes/no").
result<void> apply_config(const config_file& file, options& opts, std::vector<std::string>& warnings);

} // namespace ascep::cli
